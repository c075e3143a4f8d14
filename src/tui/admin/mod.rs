//! The supervisor's administration screen (issue #15), one screen with five tabs:
//! - **Settings**: every setting with its rule id, meaning and validation; Enter edits one
//!   (the core validates, checks the supervisor role and audits old and new value);
//! - **Users**: add, disable, enable, unlock, reset password, change role (never delete);
//! - **Audit**: the log filtered by user, patient, action, outcome and time, newest first,
//!   with the chain's verification status; exported to CSV or FHIR AuditEvent NDJSON;
//! - **Unusual**: the unusual-access report (AUD-14), each row naming its audit rows;
//! - **Staff**: who is signed in, idle or locked, their last action, claims and assigned
//!   work; assign or take back work, release a claim; enter or correct anyone's productive
//!   hours (MET-05);
//! - **Productivity**: units ÷ hours entered per user and role against the target settings
//!   (`report productivity`, the last 30 days), "hours not entered" where none were.
//!
//! Pure like every screen: `update` returns an [`Effect`]; the runtime (`runtime.rs`) calls
//! the core and gives the rows back as [`AdminData`]. Text from the database is sanitised
//! when it enters the state.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap};

use super::chrome::{centered, edit_field, wrap};
use super::commands::Disabled;
use super::{CommandId, Ctx, Effect, Msg};
use crate::privacy::AuditFilter;
use crate::text::sanitize_line;

/// The tabs, in `tab` order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AdminTab {
    #[default]
    Settings,
    Users,
    Audit,
    Unusual,
    Staff,
    Productivity,
}

impl AdminTab {
    pub const ALL: [AdminTab; 6] = [
        AdminTab::Settings,
        AdminTab::Users,
        AdminTab::Audit,
        AdminTab::Unusual,
        AdminTab::Staff,
        AdminTab::Productivity,
    ];

    pub fn label(self) -> &'static str {
        match self {
            AdminTab::Settings => "Settings",
            AdminTab::Users => "Users",
            AdminTab::Audit => "Audit",
            AdminTab::Unusual => "Unusual access",
            AdminTab::Staff => "Staff",
            AdminTab::Productivity => "Productivity",
        }
    }

    fn step(self, by: isize) -> AdminTab {
        let i = AdminTab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        AdminTab::ALL[(i + by).rem_euclid(AdminTab::ALL.len() as isize) as usize]
    }
}

/// The calls the admin screen asks for; each is one authorized, audited core call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminAction {
    /// Read a tab's rows (the audit tab with its filter) and show it.
    Load(AdminTab, AuditFilter),
    /// Set a setting read at `version`: a change by someone else since is refused (the
    /// lost-update guard of `store::version`), naming who changed it.
    SetSetting {
        name: String,
        value: String,
        version: i64,
    },
    AddUser {
        username: String,
        role: String,
        full_name: String,
        password: String,
    },
    Disable(String),
    Enable(String),
    Unlock(String),
    Password {
        username: String,
        password: String,
    },
    Role {
        username: String,
        role: String,
    },
    Export {
        filter: AuditFilter,
        fhir: bool,
    },
    Flag {
        mrn: String,
        flag: String,
        on: bool,
    },
    Assign {
        kind: String,
        target: String,
        username: String,
    },
    TakeBack {
        kind: String,
        target: String,
    },
    ReleaseClaim {
        entity_type: String,
        entity_id: i64,
    },
    /// Enter or correct productive hours (MET-05): `username` None is the user signed in
    /// (own hours, from Home); another user's needs the supervisor role (checked in the core).
    EnterHours {
        username: Option<String>,
        date: String,
        hours: String,
        note: String,
    },
}

/// What the runtime read for a tab.
#[derive(Clone, Debug)]
pub enum AdminData {
    /// Each setting with its value in force and the version it was read at.
    Settings(Vec<(&'static crate::settings::SettingDef, String, i64)>),
    Users(Vec<crate::accounts::User>),
    Audit {
        page: crate::privacy::AuditPage,
        chain: String,
        filter: AuditFilter,
    },
    Unusual(crate::privacy::unusual::UnusualReport),
    Staff(Vec<crate::privacy::work::StaffRow>),
    Productivity(crate::report::productivity::Productivity),
}

/// The admin screen's facts for the command guards.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdminFacts {
    pub tab: Option<AdminTab>,
}

fn on(c: &Ctx, tab: AdminTab, why: &'static str) -> Result<(), Disabled> {
    if c.admin.tab == Some(tab) {
        Ok(())
    } else {
        Err(Disabled(why))
    }
}
pub fn on_settings(c: &Ctx) -> Result<(), Disabled> {
    on(c, AdminTab::Settings, "only on the Settings tab")
}
pub fn on_users(c: &Ctx) -> Result<(), Disabled> {
    on(c, AdminTab::Users, "only on the Users tab")
}
pub fn on_audit(c: &Ctx) -> Result<(), Disabled> {
    on(c, AdminTab::Audit, "only on the Audit tab")
}
pub fn on_privacy(c: &Ctx) -> Result<(), Disabled> {
    on(c, AdminTab::Unusual, "only on the Unusual access tab")
}
pub fn on_staff(c: &Ctx) -> Result<(), Disabled> {
    on(c, AdminTab::Staff, "only on the Staff tab")
}
pub fn is_supervisor(c: &Ctx) -> Result<(), Disabled> {
    if c.role.supervisor {
        Ok(())
    } else {
        Err(Disabled(
            "supervisors only (DOMAIN §1: settings, users, audit view)",
        ))
    }
}

/// What the one-line prompt is for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum PromptFor {
    Setting(String, i64),
    NewUser,
    NewUserPassword {
        username: String,
        role: String,
        full_name: String,
    },
    Password(String),
    Role(String),
    Filter,
    Flag,
    Assign,
    TakeBack,
    Hours,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Prompt {
    purpose: PromptFor,
    label: String,
    input: String,
    secret: bool,
}

/// One setting as shown (sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingLine {
    pub name: String,
    pub rule: String,
    pub value: String,
    pub default: String,
    pub doc: String,
    pub validation: String,
    /// The version the value was read at (lost-update guard).
    pub version: i64,
}

/// A staff row's cells and the first claim it holds (entity type, id), to release.
pub type StaffLine = ([String; 6], Option<(String, i64)>);

#[derive(Clone, Debug, Default)]
pub struct AdminState {
    pub tab: AdminTab,
    pub selected: usize,
    pub settings: Vec<SettingLine>,
    /// username, role, state, failed logins, last login.
    pub users: Vec<[String; 5]>,
    pub filter: AuditFilter,
    pub chain: String,
    pub audit_total: i64,
    /// seq, time, user, action, outcome, MRN, entity, detail.
    pub audit: Vec<[String; 8]>,
    pub unusual_span: String,
    /// kind, user, MRN, first at, what, seqs.
    pub unusual: Vec<[String; 6]>,
    /// user, role, presence, last action, claims, assigned; and the first claim to release.
    pub staff: Vec<StaffLine>,
    /// The productivity period shown.
    pub productivity_span: String,
    /// user, role, units, hours, % of target; and the selected user's detail lines.
    pub productivity: Vec<([String; 5], Vec<String>)>,
    prompt: Option<Prompt>,
}

fn l(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// `2026-12-04T17:40:00.000Z` → `12-04 17:40` (UTC, as recorded).
fn short_time(s: &str) -> String {
    l(s.get(5..16).unwrap_or(s)).replace('T', " ")
}

fn seq_list(seqs: &[i64]) -> String {
    let head: Vec<String> = seqs.iter().take(6).map(|s| s.to_string()).collect();
    let more = seqs.len().saturating_sub(6);
    if more > 0 {
        format!("{} +{more}", head.join(","))
    } else {
        head.join(",")
    }
}

impl AdminState {
    pub fn new(tab: AdminTab) -> AdminState {
        AdminState {
            tab,
            ..AdminState::default()
        }
    }

    pub fn typing(&self) -> bool {
        self.prompt.is_some()
    }

    pub fn rows(&self) -> usize {
        match self.tab {
            AdminTab::Settings => self.settings.len(),
            AdminTab::Users => self.users.len(),
            AdminTab::Audit => self.audit.len(),
            AdminTab::Unusual => self.unusual.len(),
            AdminTab::Staff => self.staff.len(),
            AdminTab::Productivity => self.productivity.len(),
        }
    }

    pub fn fill(&mut self, data: AdminData) {
        let keep = self.selected;
        match data {
            AdminData::Settings(v) => {
                self.tab = AdminTab::Settings;
                self.settings = v
                    .into_iter()
                    .map(|(d, value, version)| SettingLine {
                        name: d.name().to_string(),
                        rule: d.rule.to_string(),
                        value: l(&value),
                        default: l(d.default),
                        doc: d.doc.to_string(),
                        validation: d.kind.describe(),
                        version,
                    })
                    .collect();
            }
            AdminData::Users(v) => {
                self.tab = AdminTab::Users;
                self.users = v
                    .into_iter()
                    .map(|u| {
                        let state = match (u.disabled, u.locked) {
                            (true, _) => "disabled",
                            (false, true) => "locked",
                            _ => "active",
                        };
                        [
                            l(&u.username),
                            u.role.as_str().to_string(),
                            state.to_string(),
                            u.failed_logins.to_string(),
                            u.last_login_at
                                .as_deref()
                                .map(short_time)
                                .unwrap_or_default(),
                        ]
                    })
                    .collect();
            }
            AdminData::Audit {
                page,
                chain,
                filter,
            } => {
                self.tab = AdminTab::Audit;
                self.chain = l(&chain);
                self.filter = filter;
                self.audit_total = page.total;
                self.audit = page
                    .rows
                    .into_iter()
                    .map(|r| {
                        [
                            r.seq.to_string(),
                            short_time(&r.recorded_at),
                            l(&r.username),
                            l(&r.subtype),
                            r.outcome.to_string(),
                            l(r.patient_mrn.as_deref().unwrap_or("")),
                            l(&format!("{} {}", r.entity_type, r.entity_id)),
                            l(&format!(
                                "{} {} {} {} {}{}",
                                r.action,
                                r.entity_type,
                                r.entity_id,
                                r.purpose_of_use,
                                r.reason
                                    .as_deref()
                                    .map(|x| format!("reason: {x} "))
                                    .unwrap_or_default(),
                                r.detail
                            )),
                        ]
                    })
                    .collect();
            }
            AdminData::Unusual(r) => {
                self.tab = AdminTab::Unusual;
                self.unusual_span = format!(
                    "{} to {} · {} audit rows read",
                    short_time(&r.from),
                    short_time(&r.to),
                    r.rows_read
                );
                self.unusual = r
                    .findings
                    .into_iter()
                    .map(|f| {
                        [
                            f.kind.label().to_string(),
                            l(&f.username),
                            l(f.mrn.as_deref().unwrap_or("")),
                            short_time(&f.first_at),
                            l(&f.what),
                            seq_list(&f.seqs),
                        ]
                    })
                    .collect();
            }
            AdminData::Staff(v) => {
                self.tab = AdminTab::Staff;
                self.staff = v
                    .into_iter()
                    .map(|s| {
                        let last = s
                            .last_action
                            .as_ref()
                            .map(|(t, w)| format!("{} {}", short_time(t), l(w)))
                            .unwrap_or_default();
                        let claims = s
                            .claims
                            .iter()
                            .map(|(t, _, label, _)| format!("{} {}", l(t), l(label)))
                            .collect::<Vec<_>>()
                            .join(", ");
                        let first = s.claims.first().map(|(t, id, _, _)| (t.clone(), *id));
                        let presence = if s.disabled {
                            "disabled".to_string()
                        } else {
                            s.presence.label().to_string()
                        };
                        (
                            [
                                l(&s.username),
                                s.role.clone(),
                                presence,
                                last,
                                claims,
                                s.assigned.to_string(),
                            ],
                            first,
                        )
                    })
                    .collect();
            }
            AdminData::Productivity(p) => {
                self.tab = AdminTab::Productivity;
                self.productivity_span = format!("{} .. {}", p.from, p.to);
                self.productivity = p.users.iter().map(productivity_line).collect();
            }
        }
        self.selected = keep.min(self.rows().saturating_sub(1));
    }

    fn selected_user(&self) -> Option<String> {
        self.users.get(self.selected).map(|u| u[0].clone())
    }

    fn ask(&mut self, purpose: PromptFor, label: impl Into<String>, input: String, secret: bool) {
        self.prompt = Some(Prompt {
            purpose,
            label: label.into(),
            input,
            secret,
        });
    }
}

/// One user's productivity row (sanitised) and the detail lines of its units.
fn productivity_line(
    u: &crate::report::productivity::UserProductivity,
) -> ([String; 5], Vec<String>) {
    use crate::report::productivity::Unit;
    let short = |unit: Unit| match unit {
        Unit::RecordsAnalyzed => "an",
        Unit::InpatientCoded => "IP",
        Unit::OutpatientCoded => "OP",
        Unit::RequestsReleased => "req",
        Unit::PagesReleased => "pg",
    };
    let units = u
        .units
        .iter()
        .map(|l| format!("{} {}", l.units, short(l.unit)))
        .collect::<Vec<_>>()
        .join(" ");
    let hours = u
        .hours
        .map_or("not entered".to_string(), |h| format!("{h:.2}"));
    let pct = u
        .percent_of_target
        .map_or(String::new(), |p| format!("{p:.0}%"));
    let detail = u
        .units
        .iter()
        .map(|l| {
            format!(
                "{} {}: {} vs target {}/h{}",
                l.units,
                l.unit.label(),
                l.per_hour
                    .map_or("no rate (hours not entered)".to_string(), |r| format!(
                        "{r:.2}/h"
                    )),
                l.target,
                l.percent_of_target
                    .map_or(String::new(), |p| format!(" = {p:.0}%"))
            )
        })
        .collect();
    ([l(&u.user), u.role.clone(), units, hours, pct], detail)
}

fn load(tab: AdminTab, s: &AdminState) -> Effect {
    Effect::Admin(AdminAction::Load(tab, s.filter.clone()))
}

/// `user=sam mrn=MRN1 action=view outcome=fail from=2026-12-01 to=2026-12-05`.
pub fn parse_filter(text: &str) -> Result<AuditFilter, String> {
    let mut f = AuditFilter::default();
    for part in text.split_whitespace() {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            format!("{part:?}: write key=value (user, mrn, action, outcome, from, to)")
        })?;
        let v = Some(v.to_string());
        match k {
            "user" => f.user = v,
            "mrn" => f.mrn = v,
            "action" => f.action = v,
            "from" => f.from = v,
            "to" => f.to = v,
            "outcome" => {
                f.outcome = Some(match v.as_deref() {
                    Some("fail") | Some("failed") => -1,
                    Some(n) => n
                        .parse()
                        .map_err(|_| format!("outcome {n:?}: 0, 4, 8, 12 or fail"))?,
                    None => 0,
                })
            }
            other => {
                return Err(format!(
                    "{other:?}: not a filter (user, mrn, action, outcome, from, to)"
                ));
            }
        }
    }
    Ok(f)
}

fn filter_text(f: &AuditFilter) -> String {
    let mut v = Vec::new();
    let mut push = |k: &str, x: &Option<String>| {
        if let Some(x) = x {
            v.push(format!("{k}={x}"));
        }
    };
    push("user", &f.user);
    push("mrn", &f.mrn);
    push("action", &f.action);
    push("from", &f.from);
    push("to", &f.to);
    if let Some(o) = f.outcome {
        v.push(if o == -1 {
            "outcome=fail".into()
        } else {
            format!("outcome={o}")
        });
    }
    v.join(" ")
}

fn submit(s: &mut AdminState, p: Prompt) -> Effect {
    let input = p.input.trim().to_string();
    match p.purpose {
        PromptFor::Setting(name, version) => Effect::Admin(AdminAction::SetSetting {
            name,
            value: input,
            version,
        }),
        PromptFor::NewUser => {
            let mut it = input.splitn(3, ' ');
            match (it.next(), it.next(), it.next()) {
                (Some(u), Some(r), Some(n)) if !u.is_empty() && !n.trim().is_empty() => {
                    s.ask(
                        PromptFor::NewUserPassword {
                            username: u.into(),
                            role: r.into(),
                            full_name: n.trim().into(),
                        },
                        format!("Password for {u} (at least 8 characters)"),
                        String::new(),
                        true,
                    );
                    Effect::None
                }
                _ => Effect::Status("add_user: type USERNAME ROLE Full Name".into()),
            }
        }
        PromptFor::NewUserPassword {
            username,
            role,
            full_name,
        } => Effect::Admin(AdminAction::AddUser {
            username,
            role,
            full_name,
            password: p.input,
        }),
        PromptFor::Password(username) => Effect::Admin(AdminAction::Password {
            username,
            password: p.input,
        }),
        PromptFor::Role(username) => Effect::Admin(AdminAction::Role {
            username,
            role: input,
        }),
        PromptFor::Filter => match parse_filter(&input) {
            Ok(f) => {
                s.filter = f.clone();
                Effect::Admin(AdminAction::Load(AdminTab::Audit, f))
            }
            Err(e) => Effect::Status(format!("filter_audit: {e}")),
        },
        PromptFor::Flag => {
            let w: Vec<&str> = input.split_whitespace().collect();
            match w.as_slice() {
                [mrn, flag, onoff] if matches!(*onoff, "on" | "off") => {
                    Effect::Admin(AdminAction::Flag {
                        mrn: mrn.to_string(),
                        flag: flag.to_string(),
                        on: *onoff == "on",
                    })
                }
                _ => Effect::Status("flag_patient: type MRN VIP|EMPLOYEE on|off".into()),
            }
        }
        PromptFor::Assign => {
            let w: Vec<&str> = input.split_whitespace().collect();
            match w.as_slice() {
                [kind, target, user] => Effect::Admin(AdminAction::Assign {
                    kind: kind.to_string(),
                    target: target.to_string(),
                    username: user.to_string(),
                }),
                _ => Effect::Status("assign_work: type chart|coding|request TARGET USER".into()),
            }
        }
        PromptFor::TakeBack => {
            let w: Vec<&str> = input.split_whitespace().collect();
            match w.as_slice() {
                [kind, target] => Effect::Admin(AdminAction::TakeBack {
                    kind: kind.to_string(),
                    target: target.to_string(),
                }),
                _ => Effect::Status("take_back_work: type chart|coding|request TARGET".into()),
            }
        }
        PromptFor::Hours => {
            let mut w = input.splitn(4, ' ').filter(|x| !x.is_empty());
            match (w.next(), w.next(), w.next()) {
                (Some(user), Some(date), Some(hours)) => Effect::Admin(AdminAction::EnterHours {
                    username: Some(user.to_string()),
                    date: date.to_string(),
                    hours: hours.to_string(),
                    note: input
                        .split_whitespace()
                        .skip(3)
                        .collect::<Vec<_>>()
                        .join(" "),
                }),
                _ => Effect::Status("enter_hours: type USER YYYY-MM-DD HOURS [note]".into()),
            }
        }
    }
}

pub fn update(s: &mut AdminState, msg: Msg, ctx: &Ctx) -> Effect {
    use CommandId as C;
    if let (Some(p), Msg::Key(k)) = (&mut s.prompt, &msg) {
        match k.code {
            KeyCode::Esc => s.prompt = None,
            KeyCode::Enter => {
                if let Some(p) = s.prompt.take() {
                    return submit(s, p);
                }
            }
            _ => {
                edit_field(&mut p.input, k);
            }
        }
        return Effect::None;
    }
    let last = s.rows().saturating_sub(1);
    match msg {
        Msg::Command(C::MoveUp) => s.selected = s.selected.saturating_sub(1),
        Msg::Command(C::MoveDown) => s.selected = (s.selected + 1).min(last),
        Msg::Command(C::GoTop) => s.selected = 0,
        Msg::Command(C::GoBottom) => s.selected = last,
        Msg::Command(C::AdminNextTab) => {
            s.selected = 0;
            return load(s.tab.step(1), s);
        }
        Msg::Command(C::AdminPrevTab) => {
            s.selected = 0;
            return load(s.tab.step(-1), s);
        }
        Msg::Command(C::EditSetting) => {
            if let Some(x) = s.settings.get(s.selected) {
                let (name, value) = (x.name.clone(), x.value.clone());
                let label = format!("{name} ({}) = ", x.validation);
                s.ask(PromptFor::Setting(name, x.version), label, value, false);
            }
        }
        Msg::Command(C::AddUser) => s.ask(
            PromptFor::NewUser,
            "New user: USERNAME ROLE Full Name (technician, coder, roi, supervisor)",
            String::new(),
            false,
        ),
        Msg::Command(C::DisableUser) => {
            if let Some(u) = s.selected_user() {
                return Effect::Admin(AdminAction::Disable(u));
            }
        }
        Msg::Command(C::EnableUser) => {
            if let Some(u) = s.selected_user() {
                return Effect::Admin(AdminAction::Enable(u));
            }
        }
        Msg::Command(C::UnlockUser) => {
            if let Some(u) = s.selected_user() {
                return Effect::Admin(AdminAction::Unlock(u));
            }
        }
        Msg::Command(C::ResetPassword) => {
            if let Some(u) = s.selected_user() {
                let label = format!("New password for {u} (at least 8 characters)");
                s.ask(PromptFor::Password(u), label, String::new(), true);
            }
        }
        Msg::Command(C::ChangeRole) => {
            if let Some(u) = s.selected_user() {
                let label = format!("New role for {u}: technician, coder, roi or supervisor");
                s.ask(PromptFor::Role(u), label, String::new(), false);
            }
        }
        Msg::Command(C::FilterAudit) => {
            let text = filter_text(&s.filter);
            s.ask(
                PromptFor::Filter,
                "Filter: user= mrn= action= outcome=0|4|8|12|fail from= to= (UTC dates)",
                text,
                false,
            );
        }
        Msg::Command(C::ExportAuditCsv) => {
            return Effect::Admin(AdminAction::Export {
                filter: s.filter.clone(),
                fhir: false,
            });
        }
        Msg::Command(C::ExportAuditFhir) => {
            return Effect::Admin(AdminAction::Export {
                filter: s.filter.clone(),
                fhir: true,
            });
        }
        Msg::Command(C::FlagPatient) => {
            let mrn = s
                .unusual
                .get(s.selected)
                .map(|r| r[2].clone())
                .filter(|m| !m.is_empty())
                .map(|m| format!("{m} VIP on"))
                .unwrap_or_default();
            s.ask(
                PromptFor::Flag,
                "Flag: MRN VIP|EMPLOYEE on|off (AUD-14)",
                mrn,
                false,
            );
        }
        Msg::Command(C::AssignWork) => {
            let user = s
                .staff
                .get(s.selected)
                .map(|r| r.0[0].clone())
                .unwrap_or_default();
            s.ask(
                PromptFor::Assign,
                "Assign: chart|coding|request TARGET USER (visit number or request id)",
                format!("chart  {user}"),
                false,
            );
        }
        Msg::Command(C::EnterHours) => {
            let user = s
                .staff
                .get(s.selected)
                .map(|r| r.0[0].clone())
                .unwrap_or_default();
            let today = crate::clock::facility_date(ctx.now);
            s.ask(
                PromptFor::Hours,
                "Hours (MET-05): USER YYYY-MM-DD HOURS [note] — 0.25 to 24, quarter hours; a day entered again is corrected",
                format!("{user} {today} "),
                false,
            );
        }
        Msg::Command(C::TakeBackWork) => s.ask(
            PromptFor::TakeBack,
            "Take back: chart|coding|request TARGET",
            String::new(),
            false,
        ),
        Msg::Command(C::UserWorklist) => {
            if let Some((cells, _)) = s.staff.get(s.selected) {
                return Effect::Worklist(crate::tui::worklist::WlAction::Open {
                    user: cells[0].clone(),
                });
            }
        }
        Msg::Command(C::ReleaseClaim) => match s.staff.get(s.selected) {
            Some((_, Some((t, id)))) => {
                return Effect::Admin(AdminAction::ReleaseClaim {
                    entity_type: t.clone(),
                    entity_id: *id,
                });
            }
            _ => return Effect::Status("release_claim: the selected user holds no claim".into()),
        },
        Msg::Command(C::Back) => return Effect::Back,
        _ => {}
    }
    Effect::None
}

fn table_state(n: usize, sel: usize) -> TableState {
    TableState::default().with_selected((n > 0).then_some(sel))
}

impl Widget for &AdminState {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [tabs, list, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(4),
            Constraint::Length(5),
        ])
        .areas(area);
        let tab_line: Vec<ratatui::text::Span> = AdminTab::ALL
            .iter()
            .flat_map(|t| {
                let s = format!(" {} ", t.label());
                let span = if *t == self.tab {
                    ratatui::text::Span::styled(s, Style::new().reversed().bold())
                } else {
                    ratatui::text::Span::raw(s)
                };
                [span, ratatui::text::Span::raw("│")]
            })
            .collect();
        Paragraph::new(Line::from(tab_line)).render(tabs, buf);
        let hl = Style::new().reversed();
        let (text, title) = match self.tab {
            AdminTab::Settings => {
                let rows = self
                    .settings
                    .iter()
                    .map(|s| Row::new(vec![s.name.clone(), s.value.clone(), s.rule.clone()]));
                let t = Table::new(
                    rows,
                    [
                        Constraint::Length(26),
                        Constraint::Min(20),
                        Constraint::Length(12),
                    ],
                )
                .header(Row::new(vec!["Setting", "Value", "Rule"]).bold())
                .row_highlight_style(hl)
                .block(Block::bordered().title(format!(
                    " Settings ({}) · enter: edit (audited, old and new value) ",
                    self.settings.len()
                )));
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.settings.len(), self.selected),
                );
                match self.settings.get(self.selected) {
                    Some(s) => (
                        format!(
                            "{} [{}] {} · must be: {} · default {:?}",
                            s.name, s.rule, s.doc, s.validation, s.default
                        ),
                        " Meaning and validation ",
                    ),
                    None => ("No settings read.".into(), " Setting "),
                }
            }
            AdminTab::Users => {
                let rows = self.users.iter().map(|u| {
                    let r = Row::new(u.to_vec());
                    if u[2] != "active" {
                        r.style(Style::new().fg(Color::Yellow))
                    } else {
                        r
                    }
                });
                let t = Table::new(
                    rows,
                    [
                        Constraint::Min(12),
                        Constraint::Length(11),
                        Constraint::Length(9),
                        Constraint::Length(6),
                        Constraint::Length(12),
                    ],
                )
                .header(Row::new(vec!["User", "Role", "State", "Fails", "Last login"]).bold())
                .row_highlight_style(hl)
                .block(
                    Block::bordered()
                        .title(format!(" Users ({}) · never deleted ", self.users.len())),
                );
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.users.len(), self.selected),
                );
                (
                    "n add · d disable · e enable · u unlock · p reset password · r change role. Every change is audited (user_admin).".into(),
                    " Users ",
                )
            }
            AdminTab::Audit => {
                let rows = self.audit.iter().map(|a| {
                    let r = Row::new(a[..7].to_vec());
                    if a[4] != "0" {
                        r.style(Style::new().fg(Color::Red))
                    } else {
                        r
                    }
                });
                let t = Table::new(
                    rows,
                    [
                        Constraint::Length(6),
                        Constraint::Length(11),
                        Constraint::Length(8),
                        Constraint::Length(15),
                        Constraint::Length(2),
                        Constraint::Length(10),
                        Constraint::Min(8),
                    ],
                )
                .header(
                    Row::new(vec!["Seq", "UTC", "User", "Action", "Ou", "MRN", "Entity"]).bold(),
                )
                .row_highlight_style(hl)
                .block(Block::bordered().title(format!(
                    " Audit: {} of {} · {} ",
                    self.audit.len(),
                    self.audit_total,
                    if filter_text(&self.filter).is_empty() {
                        "no filter".to_string()
                    } else {
                        filter_text(&self.filter)
                    }
                )));
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.audit.len(), self.selected),
                );
                let sel = self
                    .audit
                    .get(self.selected)
                    .map(|a| format!("seq {}: {}", a[0], a[7]))
                    .unwrap_or_default();
                (
                    format!("{} · {sel}", self.chain),
                    " Chain and selected row ",
                )
            }
            AdminTab::Unusual => {
                let rows = self.unusual.iter().map(|u| {
                    Row::new(vec![
                        u[0].clone(),
                        u[1].clone(),
                        u[2].clone(),
                        u[3].clone(),
                        u[5].clone(),
                    ])
                });
                let t = Table::new(
                    rows,
                    [
                        Constraint::Length(16),
                        Constraint::Length(8),
                        Constraint::Length(10),
                        Constraint::Length(11),
                        Constraint::Min(10),
                    ],
                )
                .header(Row::new(vec!["Finding", "User", "MRN", "First UTC", "Audit seqs"]).bold())
                .row_highlight_style(hl)
                .block(Block::bordered().title(format!(
                    " Unusual access (AUD-14): {} · {} ",
                    self.unusual.len(),
                    self.unusual_span
                )));
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.unusual.len(), self.selected),
                );
                let sel = self
                    .unusual
                    .get(self.selected)
                    .map(|u| format!("{}: {} (audit rows {})", u[0], u[4], u[5]))
                    .unwrap_or_else(|| "Nothing unusual in the period.".into());
                (sel, " Finding (v: flag a patient VIP or EMPLOYEE) ")
            }
            AdminTab::Staff => {
                let rows = self.staff.iter().map(|(r, _)| {
                    Row::new(vec![
                        r[0].clone(),
                        r[1].clone(),
                        r[2].clone(),
                        r[3].clone(),
                        r[5].clone(),
                    ])
                });
                let t = Table::new(
                    rows,
                    [
                        Constraint::Length(10),
                        Constraint::Length(10),
                        Constraint::Length(10),
                        Constraint::Min(20),
                        Constraint::Length(4),
                    ],
                )
                .header(Row::new(vec!["User", "Role", "Now", "Last action (UTC)", "Asg"]).bold())
                .row_highlight_style(hl)
                .block(Block::bordered().title(format!(" Staff ({}) ", self.staff.len())));
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.staff.len(), self.selected),
                );
                let sel = self
                    .staff
                    .get(self.selected)
                    .map(|(r, _)| {
                        // The last action in full (the table cuts it at 80 columns).
                        format!(
                            "{} holds: {} · assigned items: {}\nlast action: {}",
                            r[0],
                            if r[4].is_empty() { "no claim" } else { &r[4] },
                            r[5],
                            if r[3].is_empty() { "none" } else { &r[3] }
                        )
                    })
                    .unwrap_or_default();
                (
                    sel,
                    " Claims (a assign · t take back · R release · h hours) ",
                )
            }
            AdminTab::Productivity => {
                let rows = self.productivity.iter().map(|(r, _)| Row::new(r.to_vec()));
                let t = Table::new(
                    rows,
                    [
                        Constraint::Length(12),
                        Constraint::Length(10),
                        Constraint::Min(16),
                        Constraint::Length(11),
                        Constraint::Length(6),
                    ],
                )
                .header(Row::new(vec!["User", "Role", "Units", "Hours", "%Tgt"]).bold())
                .row_highlight_style(hl)
                .block(Block::bordered().title(format!(
                    " Productivity {} ({}) ",
                    self.productivity_span,
                    self.productivity.len()
                )));
                StatefulWidget::render(
                    t,
                    list,
                    buf,
                    &mut table_state(self.productivity.len(), self.selected),
                );
                let sel = self
                    .productivity
                    .get(self.selected)
                    .map(|(r, d)| format!("{}: {}", r[0], d.join(" · ")))
                    .unwrap_or_else(|| "No work and no hours entered in the period.".into());
                (sel, " Units ÷ hours entered vs targets (MET-05) ")
            }
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(title))
            .render(detail, buf);

        if let Some(p) = &self.prompt {
            let w = area.width.saturating_sub(4).min(90);
            let inner = w.saturating_sub(2).max(10) as usize;
            let shown = if p.secret {
                "•".repeat(p.input.chars().count())
            } else {
                p.input.clone()
            };
            let mut text: Vec<Line> = wrap(&p.label, inner)
                .into_iter()
                .map(|x| Line::from(x).dim())
                .collect();
            text.push(Line::from(format!("{shown}▏")));
            let h = (text.len() + 2 + shown.chars().count() / inner) as u16;
            let r = centered(area, w, h);
            ratatui::widgets::Clear.render(r, buf);
            Paragraph::new(text)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().title(" Enter accepts, Esc cancels "))
                .render(r, buf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_filter_parses_every_key_and_names_a_bad_one() {
        let f = parse_filter(
            "user=sam mrn=MRN1 action=view outcome=fail from=2026-12-01 to=2026-12-05",
        )
        .expect("filter");
        assert_eq!(f.user.as_deref(), Some("sam"));
        assert_eq!(f.mrn.as_deref(), Some("MRN1"));
        assert_eq!(f.outcome, Some(-1));
        assert_eq!(
            filter_text(&f),
            "user=sam mrn=MRN1 action=view from=2026-12-01 to=2026-12-05 outcome=fail"
        );
        assert!(parse_filter("who=sam").unwrap_err().contains("who"));
        assert!(parse_filter("outcome=bad").is_err());
    }

    #[test]
    fn tabs_cycle_both_ways() {
        assert_eq!(AdminTab::Settings.step(-1), AdminTab::Productivity);
        assert_eq!(AdminTab::Productivity.step(1), AdminTab::Settings);
        assert_eq!(AdminTab::Staff.step(1), AdminTab::Productivity);
    }
}
