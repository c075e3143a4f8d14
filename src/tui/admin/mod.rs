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
//! when it enters the state. Each tab's rows (`fill`) and table (`render`) are in its own file
//! (`settings.rs`, `users.rs`, `audit.rs`, `unusual.rs`, `staff.rs`, `productivity.rs`); the
//! state, the keys (`update`) and the prompts are here.

mod audit;
mod productivity;
mod settings;
mod staff;
mod unusual;
mod users;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, TableState, Widget, Wrap};

use super::chrome::{centered, edit_field, wrap};
use super::commands::Disabled;
use super::{CommandId, Ctx, Effect, Msg};
use crate::privacy::AuditFilter;
use crate::text::sanitize_line;
use audit::filter_text;
pub use audit::parse_filter;

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
            AdminData::Settings(v) => settings::fill(self, v),
            AdminData::Users(v) => users::fill(self, v),
            AdminData::Audit {
                page,
                chain,
                filter,
            } => audit::fill(self, page, chain, filter),
            AdminData::Unusual(r) => unusual::fill(self, r),
            AdminData::Staff(v) => staff::fill(self, v),
            AdminData::Productivity(p) => productivity::fill(self, p),
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

fn load(tab: AdminTab, s: &AdminState) -> Effect {
    Effect::Admin(AdminAction::Load(tab, s.filter.clone()))
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
            AdminTab::Settings => settings::render(self, list, buf, hl),
            AdminTab::Users => users::render(self, list, buf, hl),
            AdminTab::Audit => audit::render(self, list, buf, hl),
            AdminTab::Unusual => unusual::render(self, list, buf, hl),
            AdminTab::Staff => staff::render(self, list, buf, hl),
            AdminTab::Productivity => productivity::render(self, list, buf, hl),
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
