//! The admin screen's runtime (a child of `app`): each [`AdminAction`] is one core call,
//! which authorizes the supervisor and writes the audit rows; the tab is read again after a
//! change and its rows given back to the screen.

use chrono::{DateTime, Utc};

use super::super::admin::{AdminAction, AdminData, AdminState, AdminTab};
use super::super::{Msg, ScreenId};
use super::App;
use crate::error::CoreError;
use crate::privacy::{self, AuditFilter};

/// Audit rows shown at most (newest first; the title says how many match in all).
const AUDIT_ROWS: usize = 500;

impl App {
    fn admin_read(&mut self, tab: AdminTab, filter: AuditFilter) -> Result<AdminData, CoreError> {
        let Some(s) = &self.session else {
            return Err(CoreError::invalid("session", "not signed in"));
        };
        let actor = s.actor();
        let store = &mut self.store;
        Ok(match tab {
            AdminTab::Settings => {
                crate::accounts::authorize(
                    store,
                    &actor,
                    crate::domain::Perm::Administer,
                    "setting",
                    "*",
                )?;
                let conn = store.conn();
                let rows = crate::settings::list(conn)?
                    .into_iter()
                    .map(|(d, v)| {
                        let rec = crate::store::version::Versioned::Setting(d.name().to_string());
                        let at = crate::store::version::current(conn, &rec)?.unwrap_or(0);
                        Ok((d, v, at))
                    })
                    .collect::<Result<Vec<_>, CoreError>>()?;
                AdminData::Settings(rows)
            }
            AdminTab::Users => AdminData::Users(crate::accounts::list_users(store, &actor)?),
            AdminTab::Audit => {
                let page = privacy::search(store, &actor, &filter, AUDIT_ROWS)?;
                let chain = privacy::chain_status(store.conn());
                AdminData::Audit {
                    page,
                    chain,
                    filter,
                }
            }
            AdminTab::Unusual => {
                AdminData::Unusual(privacy::unusual::report(store, &actor, None, None)?)
            }
            AdminTab::Staff => AdminData::Staff(privacy::work::staff(store, &actor)?),
            AdminTab::Productivity => {
                let req = crate::report::Request::Productivity {
                    from: None,
                    to: None,
                };
                match crate::report::run(store, &actor, req)?.report {
                    crate::report::Report::Productivity(p) => AdminData::Productivity(p),
                    _ => return Err(CoreError::invalid("report", "not the productivity report")),
                }
            }
        })
    }

    fn admin_write(&mut self, a: AdminAction, now: DateTime<Utc>) -> Result<String, CoreError> {
        let Some(s) = &self.session else {
            return Err(CoreError::invalid("session", "not signed in"));
        };
        let actor = s.actor();
        let st = &mut self.store;
        let role = |r: &str| {
            crate::domain::Role::parse(r.trim()).ok_or_else(|| {
                CoreError::invalid(
                    "role",
                    format!("{r:?}: technician, coder, roi or supervisor"),
                )
            })
        };
        let kind = |k: &str| {
            privacy::work::WorkKind::parse(k).ok_or_else(|| {
                CoreError::invalid("kind", format!("{k:?}: chart, coding or request"))
            })
        };
        Ok(match a {
            AdminAction::Load(..) => String::new(),
            AdminAction::SetSetting {
                name,
                value,
                version,
            } => {
                let rec = crate::store::version::Versioned::Setting(name.clone());
                st.guarded(rec, version, |s| {
                    crate::settings::set(s, &actor, &name, &value)
                })?;
                format!("{name} = {} (audited with the old value)", value.trim())
            }
            AdminAction::AddUser {
                username,
                role: r,
                full_name,
                password,
            } => {
                crate::accounts::add_user(st, &actor, &username, &full_name, role(&r)?, &password)?;
                format!("user {username} added as {r}")
            }
            AdminAction::Disable(u) => {
                crate::accounts::disable_user(st, &actor, &u)?;
                format!("{u} disabled (never deleted)")
            }
            AdminAction::Enable(u) => {
                crate::accounts::enable_user(st, &actor, &u)?;
                format!("{u} enabled")
            }
            AdminAction::Unlock(u) => {
                crate::accounts::unlock_user(st, &actor, &u)?;
                format!("{u} unlocked")
            }
            AdminAction::Password { username, password } => {
                crate::accounts::set_password(st, &actor, &username, &password)?;
                format!("password of {username} reset")
            }
            AdminAction::Role { username, role: r } => {
                crate::accounts::change_role(st, &actor, &username, role(&r)?)?;
                format!("{username} is now {}", r.trim())
            }
            AdminAction::Export { filter, fhir } => {
                let dir = st
                    .path()
                    .parent()
                    .map(|p| p.join("exports"))
                    .unwrap_or_else(|| std::path::PathBuf::from("exports"));
                let stamp = now.format("%Y%m%d-%H%M%S%3f").to_string();
                let format = if fhir {
                    privacy::AuditFormat::Fhir
                } else {
                    privacy::AuditFormat::Csv
                };
                let path = privacy::export(st, &actor, &filter, format, &dir, &stamp)?;
                format!("audit rows exported to {} (audited)", path.display())
            }
            AdminAction::Flag { mrn, flag, on } => {
                let f = privacy::Flag::parse(&flag).ok_or_else(|| {
                    CoreError::invalid("flag", format!("{flag:?}: VIP or EMPLOYEE"))
                })?;
                privacy::set_flag(st, &actor, &mrn, f, on)?;
                format!(
                    "{mrn} {} {} (AUD-14)",
                    f.as_str(),
                    if on { "set" } else { "cleared" }
                )
            }
            AdminAction::Assign {
                kind: k,
                target,
                username,
            } => {
                privacy::work::assign(st, &actor, kind(&k)?, &target, &username)?;
                format!("{k} {target} assigned to {username}")
            }
            AdminAction::TakeBack { kind: k, target } => {
                privacy::work::unassign(st, &actor, kind(&k)?, &target)?;
                format!("{k} {target} taken back")
            }
            AdminAction::ReleaseClaim {
                entity_type,
                entity_id,
            } => {
                privacy::work::release_claim(st, &actor, &entity_type, entity_id)?;
                format!("claim on {entity_type} {entity_id} released")
            }
            AdminAction::EnterHours {
                username,
                date,
                hours,
                note,
            } => {
                let who = username.unwrap_or_else(|| actor.username.clone());
                let day = crate::staff::parse_date(&date)?;
                let e = crate::staff::enter_hours(st, &actor, &who, day, &hours, &note)?;
                match e.old_hours {
                    Some(old) => format!(
                        "{who} {day}: {old} h corrected to {} h (audited, MET-05)",
                        e.hours
                    ),
                    None => format!("{who} {day}: {} h entered (audited, MET-05)", e.hours),
                }
            }
        })
    }

    /// Perform one admin action, then read the tab shown again.
    pub(super) fn perform_admin(&mut self, a: AdminAction, now: DateTime<Utc>) {
        let (tab, filter) = match &a {
            AdminAction::Load(t, f) => (*t, f.clone()),
            _ => {
                let st = self.admin.as_ref();
                (
                    st.map(|s| s.tab).unwrap_or_default(),
                    st.map(|s| s.filter.clone()).unwrap_or_default(),
                )
            }
        };
        if !matches!(a, AdminAction::Load(..)) {
            // Own hours entered from Home: the write only, the screen stays (any role).
            let elsewhere = self.screen() != ScreenId::Admin;
            match self.admin_write(a, now) {
                Ok(done) => self.status = Some(crate::text::sanitize_line(&done).into_owned()),
                Err(e) => return self.fail(e),
            }
            if elsewhere {
                return;
            }
        }
        let status = self.status.clone();
        match self.admin_read(tab, filter) {
            Ok(data) => {
                if self.admin.is_none() {
                    self.admin = Some(AdminState::new(tab));
                }
                self.enter(ScreenId::Admin);
                self.dispatch(ScreenId::Admin, Msg::Admin(Box::new(data)), now);
                if status.is_some() {
                    self.status = status;
                }
            }
            Err(e) => self.fail(e),
        }
    }
}
