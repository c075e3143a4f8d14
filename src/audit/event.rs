//! Who did what: the actor and the event value recorded by core operations.

use serde_json::Value;

use crate::domain::Role;

/// The role an action was taken in: a signed-in user's, or the system's (command-line
/// administration by whoever can write the database file, imports, automatic rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorRole {
    User(Role),
    System,
}

impl ActorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorRole::User(r) => r.as_str(),
            ActorRole::System => "system",
        }
    }
}

/// Who performs an action. Built by login (users) or by [`Actor::system`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub role: ActorRole,
}

impl Actor {
    /// The command-line administrator, named by the operating-system account running it as
    /// the kernel reports it (uid → password database), never by `$USER` (AUD-10).
    pub fn system(context: &str) -> Actor {
        let os_user = crate::host::current_user().name;
        Actor {
            user_id: None,
            username: format!("system:{context}:{os_user}"),
            role: ActorRole::System,
        }
    }

    /// An actor for one login attempt whose user is not (yet) known.
    pub fn anonymous(attempted: &str) -> Actor {
        Actor {
            user_id: None,
            username: attempted.to_string(),
            role: ActorRole::System,
        }
    }

    pub fn user(user_id: i64, username: &str, role: Role) -> Actor {
        Actor {
            user_id: Some(user_id),
            username: username.to_string(),
            role: ActorRole::User(role),
        }
    }

    pub fn has_role(&self) -> Option<Role> {
        match self.role {
            ActorRole::User(r) => Some(r),
            ActorRole::System => None,
        }
    }
}

/// The MRNs a list page or search showed, for its audit row's `mrns` detail (AUD-11): each
/// once, in the order shown, space-separated (compact, and `audit export --patient` finds a
/// list exposure by word match).
pub fn mrn_list<'a>(mrns: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::new();
    for m in mrns {
        if !m.is_empty() && seen.insert(m) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(m);
        }
    }
    out
}

/// CRUDE action code (DOMAIN §6; FHIR AuditEvent.action).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Read,
    Update,
    Delete,
    Execute,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "C",
            Action::Read => "R",
            Action::Update => "U",
            Action::Delete => "D",
            Action::Execute => "E",
        }
    }
}

/// Event subtype vocabulary (DOMAIN §6 event schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subtype {
    View,
    Query,
    Print,
    Copy,
    Export,
    Create,
    Update,
    Delete,
    Sign,
    Release,
    Login,
    LoginFailed,
    Logout,
    AutoLogoff,
    Lock,
    Unlock,
    SettingsChange,
    UserAdmin,
    AuditView,
    AuditExport,
    AppStart,
    AppStop,
    AccessDenied,
    /// An online backup of the database was written (AUD-15).
    Backup,
    /// A backup was put in place of the database (AUD-15).
    Restore,
}

impl Subtype {
    pub fn as_str(self) -> &'static str {
        use Subtype::*;
        match self {
            View => "view",
            Query => "query",
            Print => "print",
            Copy => "copy",
            Export => "export",
            Create => "create",
            Update => "update",
            Delete => "delete",
            Sign => "sign",
            Release => "release",
            Login => "login",
            LoginFailed => "login_failed",
            Logout => "logout",
            AutoLogoff => "auto_logoff",
            Lock => "lock",
            Unlock => "unlock",
            SettingsChange => "settings_change",
            UserAdmin => "user_admin",
            AuditView => "audit_view",
            AuditExport => "audit_export",
            AppStart => "app_start",
            AppStop => "app_stop",
            AccessDenied => "access_denied",
            Backup => "backup",
            Restore => "restore",
        }
    }
}

/// Outcome codes of FHIR AuditEvent / DICOM: 0 success, 4 minor failure, 8 serious, 12 major.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    MinorFailure,
    SeriousFailure,
    MajorFailure,
}

impl Outcome {
    pub fn code(self) -> i64 {
        match self {
            Outcome::Success => 0,
            Outcome::MinorFailure => 4,
            Outcome::SeriousFailure => 8,
            Outcome::MajorFailure => 12,
        }
    }
}

/// One audit event, built by a core operation and appended by `Store::transact`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub event_id: String,
    pub action: Action,
    pub subtype: Subtype,
    pub outcome: Outcome,
    pub patient_mrn: Option<String>,
    pub encounter_id: Option<i64>,
    pub entity_type: String,
    pub entity_id: String,
    /// HL7 v3 PurposeOfUse: TREAT, HPAYMT, HOPERAT, PATRQT, ...
    pub purpose_of_use: &'static str,
    pub reason: Option<String>,
    pub detail: Value,
}

impl Event {
    pub fn new(
        action: Action,
        subtype: Subtype,
        entity_type: &str,
        entity_id: impl ToString,
    ) -> Event {
        Event {
            event_id: new_event_id(),
            action,
            subtype,
            outcome: Outcome::Success,
            patient_mrn: None,
            encounter_id: None,
            entity_type: entity_type.to_string(),
            entity_id: entity_id.to_string(),
            purpose_of_use: "HOPERAT",
            reason: None,
            detail: Value::Object(Default::default()),
        }
    }
    pub fn patient(mut self, mrn: &str) -> Event {
        self.patient_mrn = Some(mrn.to_string());
        self
    }
    pub fn encounter(mut self, id: i64) -> Event {
        self.encounter_id = Some(id);
        self
    }
    pub fn outcome(mut self, o: Outcome) -> Event {
        self.outcome = o;
        self
    }
    pub fn purpose(mut self, p: &'static str) -> Event {
        self.purpose_of_use = p;
        self
    }
    pub fn reason(mut self, r: impl Into<String>) -> Event {
        self.reason = Some(r.into());
        self
    }
    pub fn detail(mut self, d: Value) -> Event {
        self.detail = d;
        self
    }
}

/// A random-enough, unique event id in UUID form (v4 layout), from the OS clock, process id,
/// a counter and a hash — no extra dependency, and uniqueness is enforced by the table.
fn new_event_id() -> String {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let local = 0u8;
    let addr = &local as *const u8 as usize;
    let mut h = Sha256::new();
    h.update(t.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(n.to_le_bytes());
    h.update(addr.to_le_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    // 8-4-4-4-12 hex groups, written straight into one buffer (this runs once per audit row).
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, v) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[usize::from(v >> 4)] as char);
        out.push(HEX[usize::from(v & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::new_event_id;

    #[test]
    fn event_ids_are_distinct_rfc4122_v4_shaped_uuids() {
        let ids: Vec<String> = (0..1000).map(|_| new_event_id()).collect();
        for id in &ids {
            let groups: Vec<&str> = id.split('-').collect();
            let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lens, [8, 4, 4, 4, 12], "{id}");
            assert!(
                id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
                "{id}"
            );
            assert!(groups[2].starts_with('4'), "version nibble in {id}");
            assert!(
                matches!(&groups[3][..1], "8" | "9" | "a" | "b"),
                "variant in {id}"
            );
        }
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len());
    }
}
