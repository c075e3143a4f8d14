//! Users, roles, passwords, login and lockout, and the permission check used by every core
//! operation. Users are never deleted (the audit log refers to them); they are disabled.
//! Passwords are hashed with Argon2id (PHC string, salt per hash).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::audit::{Action, Actor, ActorRole, Event, Outcome, Subtype, utc_ms};
use crate::domain::{Perm, Role};
use crate::error::CoreError;
use crate::settings;
use crate::store::Store;

pub const MIN_PASSWORD_LEN: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
    pub disabled: bool,
    pub locked: bool,
    pub failed_logins: i64,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// A signed-in user: the actor for everything done in the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub role: Role,
}

impl Session {
    pub fn actor(&self) -> Actor {
        Actor::user(self.user_id, &self.username, self.role)
    }
}

/// The permission check of the core. The system actor (command-line administrator) may do
/// everything; a user needs the permission for their role. A denial is itself audited (in its
/// own transaction, since the refused action writes nothing) and returned as an error.
pub fn authorize(
    store: &mut Store,
    actor: &Actor,
    perm: Perm,
    entity_type: &str,
    entity_id: &str,
) -> Result<(), CoreError> {
    let role = match actor.role {
        ActorRole::System => return Ok(()),
        ActorRole::User(r) => r,
    };
    if role.can(perm) {
        return Ok(());
    }
    store.transact(actor, |_tx, audit| {
        audit.record(
            Event::new(
                Action::Execute,
                Subtype::AccessDenied,
                entity_type,
                entity_id,
            )
            .outcome(Outcome::MinorFailure)
            .reason(format!("role {role} may not {}", perm.describe())),
        );
        Ok::<_, CoreError>(())
    })?;
    Err(CoreError::Denied {
        role: role.to_string(),
        what: perm.describe(),
    })
}

fn hasher() -> Argon2<'static> {
    Argon2::default()
}

fn hash_password(password: &str) -> Result<String, CoreError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(CoreError::invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| CoreError::invalid("password", format!("could not be hashed: {e}")))
}

fn password_matches(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

fn check_username(name: &str) -> Result<(), CoreError> {
    let ok = (2..=32).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        && name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "username",
            format!(
                "{name:?}: use 2-32 characters a-z, 0-9, '.', '_' or '-', starting with a letter"
            ),
        ))
    }
}

const USER_COLUMNS: &str =
    "id, username, full_name, role, disabled, locked, failed_logins, created_at, last_login_at";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    let role: String = r.get(3)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        full_name: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::Technician),
        disabled: r.get::<_, i64>(4)? != 0,
        locked: r.get::<_, i64>(5)? != 0,
        failed_logins: r.get(6)?,
        created_at: r.get(7)?,
        last_login_at: r.get(8)?,
    })
}

fn find_user(
    conn: &crate::store::Reader,
    username: &str,
) -> Result<Option<(User, String)>, CoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = ?1"),
            [username],
            |r| Ok((user_from_row(r)?, r.get::<_, String>(9)?)),
        )
        .optional()?)
}

fn user_or_not_found(conn: &crate::store::Reader, username: &str) -> Result<User, CoreError> {
    find_user(conn, username)?
        .map(|(u, _)| u)
        .ok_or_else(|| CoreError::NotFound {
            what: "user",
            id: username.to_string(),
        })
}

/// Create a user (supervisor only).
pub fn add_user(
    store: &mut Store,
    actor: &Actor,
    username: &str,
    full_name: &str,
    role: Role,
    password: &str,
) -> Result<i64, CoreError> {
    authorize(store, actor, Perm::Administer, "user", username)?;
    check_username(username)?;
    let hash = hash_password(password)?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        if find_user(tx, username)?.is_some() {
            return Err(CoreError::invalid("username", format!("{username} already exists")));
        }
        tx.execute(
            "INSERT INTO users(username, full_name, role, password_hash, created_at, password_changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            rusqlite::params![username, full_name, role.as_str(), hash, now],
        )?;
        let id = tx.last_insert_rowid();
        audit.record(
            Event::new(Action::Create, Subtype::UserAdmin, "user", id)
                .detail(json!({"username": username, "role": role.as_str(), "full_name": full_name})),
        );
        Ok(id)
    })
}

/// Every user (supervisor only); audited as a query of the user list.
pub fn list_users(store: &mut Store, actor: &Actor) -> Result<Vec<User>, CoreError> {
    authorize(store, actor, Perm::Administer, "user", "*")?;
    store.transact_read(actor, |tx, audit| {
        let mut stmt = tx.prepare(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username"
        ))?;
        let users = stmt
            .query_map([], user_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "user", "*")
                .detail(json!({"results": users.len()})),
        );
        Ok(users)
    })
}

/// Disable a user: they can no longer log in. Users are never deleted.
pub fn disable_user(store: &mut Store, actor: &Actor, username: &str) -> Result<(), CoreError> {
    set_flag(store, actor, username, "disabled", 1, "disable")
}

/// Re-enable a disabled user.
pub fn enable_user(store: &mut Store, actor: &Actor, username: &str) -> Result<(), CoreError> {
    set_flag(store, actor, username, "disabled", 0, "enable")
}

/// Clear a lockout after failed logins.
pub fn unlock_user(store: &mut Store, actor: &Actor, username: &str) -> Result<(), CoreError> {
    set_flag(store, actor, username, "locked", 0, "unlock")
}

/// Change a user's role (supervisor only), audited with the old and new role. A supervisor
/// may not change their own role (the department would lose its only supervisor by mistake).
pub fn change_role(
    store: &mut Store,
    actor: &Actor,
    username: &str,
    role: Role,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "user", username)?;
    if actor.user_id.is_some() && actor.username.eq_ignore_ascii_case(username) {
        return Err(CoreError::invalid(
            "role",
            "you may not change your own role; ask another supervisor",
        ));
    }
    store.transact(actor, |tx, audit| {
        let user = user_or_not_found(tx, username)?;
        if user.role == role {
            return Err(CoreError::invalid(
                "role",
                format!("{} is already {}", user.username, role.as_str()),
            ));
        }
        tx.execute(
            "UPDATE users SET role = ?1 WHERE id = ?2",
            rusqlite::params![role.as_str(), user.id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::UserAdmin, "user", user.id).detail(json!({
                "username": user.username, "change": "role",
                "old": user.role.as_str(), "new": role.as_str()
            })),
        );
        Ok(())
    })
}

fn set_flag(
    store: &mut Store,
    actor: &Actor,
    username: &str,
    column: &'static str,
    value: i64,
    verb: &'static str,
) -> Result<(), CoreError> {
    authorize(store, actor, Perm::Administer, "user", username)?;
    store.transact(actor, |tx, audit| {
        let user = user_or_not_found(tx, username)?;
        let extra = if column == "locked" {
            ", failed_logins = 0"
        } else {
            ""
        };
        tx.execute(
            &format!("UPDATE users SET {column} = ?1{extra} WHERE id = ?2"),
            rusqlite::params![value, user.id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::UserAdmin, "user", user.id)
                .detail(json!({"username": user.username, "change": verb})),
        );
        Ok(())
    })
}

/// Change a password: a supervisor for anyone, a user for themselves.
pub fn set_password(
    store: &mut Store,
    actor: &Actor,
    username: &str,
    password: &str,
) -> Result<(), CoreError> {
    let own = actor.user_id.is_some() && actor.username.eq_ignore_ascii_case(username);
    if !own {
        authorize(store, actor, Perm::Administer, "user", username)?;
    }
    let hash = hash_password(password)?;
    let now = utc_ms(store.now());
    store.transact(actor, |tx, audit| {
        let user = user_or_not_found(tx, username)?;
        tx.execute(
            "UPDATE users SET password_hash = ?1, password_changed_at = ?2 WHERE id = ?3",
            rusqlite::params![hash, now, user.id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::UserAdmin, "user", user.id)
                .detail(json!({"username": user.username, "change": "password"})),
        );
        Ok(())
    })
}

/// Check a password and open a session. Every failure is audited; the account locks after
/// `max_failed_logins` consecutive failures (the lock is audited too).
pub fn login(store: &mut Store, username: &str, password: &str) -> Result<Session, CoreError> {
    authenticate(store, username, password, Subtype::Login)
}

/// The password check shared by login and session unlock; `success` names the audit subtype.
fn authenticate(
    store: &mut Store,
    username: &str,
    password: &str,
    success: Subtype,
) -> Result<Session, CoreError> {
    let username = username.trim();
    let max_failed = settings::get_i64(store.conn(), crate::settings::Key::MaxFailedLogins)?;
    let found = find_user(store.conn(), username)?;
    let Some((user, stored_hash)) = found else {
        // AUD-12: the typed name may be a password typed in the wrong field; it is never
        // stored. A keyed hash (per-database secret) lets repeated attempts be correlated.
        let attempt = unknown_user_hmac(store.conn(), username)?;
        let actor = Actor::anonymous("unknown");
        store.transact(&actor, |_tx, audit| {
            audit.record(
                Event::new(Action::Execute, Subtype::LoginFailed, "user", "unknown")
                    .outcome(Outcome::MinorFailure)
                    .reason("unknown user")
                    .detail(json!({"attempt_hmac": attempt})),
            );
            Ok::<_, CoreError>(())
        })?;
        return Err(CoreError::BadCredentials);
    };
    let actor = Actor::user(user.id, &user.username, user.role);
    let refuse = |store: &mut Store, why: &str| -> Result<(), CoreError> {
        store.transact(&actor, |_tx, audit| {
            audit.record(
                Event::new(Action::Execute, Subtype::LoginFailed, "user", user.id)
                    .outcome(Outcome::MinorFailure)
                    .reason(why),
            );
            Ok::<_, CoreError>(())
        })
    };
    if user.disabled {
        refuse(store, "account disabled")?;
        return Err(CoreError::AccountDisabled(user.username));
    }
    if user.locked {
        refuse(store, "account locked")?;
        return Err(CoreError::AccountLocked(user.username));
    }
    let now = utc_ms(store.now());
    if !password_matches(&stored_hash, password) {
        let locked_now = store.transact(&actor, |tx, audit| {
            let failures: i64 = tx.query_row(
                "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?1 RETURNING failed_logins",
                [user.id],
                |r| r.get(0),
            )?;
            audit.record(
                Event::new(Action::Execute, Subtype::LoginFailed, "user", user.id)
                    .outcome(Outcome::MinorFailure)
                    .reason("wrong password")
                    .detail(json!({"consecutive_failures": failures})),
            );
            let lock = failures >= max_failed;
            if lock {
                tx.execute("UPDATE users SET locked = 1 WHERE id = ?1", [user.id])?;
                audit.record(
                    Event::new(Action::Update, Subtype::Lock, "user", user.id)
                        .outcome(Outcome::MinorFailure)
                        .reason(format!("{failures} failed logins (max_failed_logins = {max_failed})")),
                );
            }
            Ok::<_, CoreError>(lock)
        })?;
        return Err(if locked_now {
            CoreError::AccountLocked(user.username)
        } else {
            CoreError::BadCredentials
        });
    }
    store.transact(&actor, |tx, audit| {
        tx.execute(
            "UPDATE users SET failed_logins = 0, last_login_at = ?1 WHERE id = ?2",
            rusqlite::params![now, user.id],
        )?;
        audit.record(Event::new(Action::Execute, success, "user", user.id));
        Ok::<_, CoreError>(())
    })?;
    Ok(Session {
        user_id: user.id,
        username: user.username,
        full_name: user.full_name,
        role: user.role,
    })
}

/// HMAC-SHA-256 of an unknown login name under the database's `login_hmac_key` (AUD-12), first
/// 16 bytes in hex: equal names give equal values in one database, and the text cannot be
/// recovered or dictionary-checked without the key.
pub fn unknown_user_hmac(conn: &crate::store::Reader, typed: &str) -> Result<String, CoreError> {
    use sha2::{Digest, Sha256};
    let key: String = conn
        .query_row(
            "SELECT value FROM chartdesk_meta WHERE key = 'login_hmac_key'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default();
    let mut k = [0u8; 64];
    let kb = key.as_bytes();
    if kb.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(kb));
    } else {
        k[..kb.len()].copy_from_slice(kb);
    }
    let pad = |byte: u8| k.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(typed.as_bytes())
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    Ok(outer[..16].iter().map(|b| format!("{b:02x}")).collect())
}

/// End a session (explicit logout or automatic logoff).
pub fn logout(store: &mut Store, session: &Session, automatic: bool) -> Result<(), CoreError> {
    let subtype = if automatic {
        Subtype::AutoLogoff
    } else {
        Subtype::Logout
    };
    store.transact(&session.actor(), |_tx, audit| {
        audit.record(Event::new(
            Action::Execute,
            subtype,
            "user",
            session.user_id,
        ));
        Ok::<_, CoreError>(())
    })
}

/// The idle lock (AUD-03): the screen locks, and the session stays open.
pub fn lock_session(
    store: &mut Store,
    session: &Session,
    idle_minutes: i64,
) -> Result<(), CoreError> {
    store.transact(&session.actor(), |_tx, audit| {
        audit.record(
            Event::new(Action::Execute, Subtype::Lock, "session", session.user_id)
                .reason(format!("idle for {idle_minutes} minutes (AUD-03)")),
        );
        Ok::<_, CoreError>(())
    })
}

/// Unlock a locked session with the user's password. Failures count toward the account lock.
pub fn unlock_session(
    store: &mut Store,
    session: &Session,
    password: &str,
) -> Result<(), CoreError> {
    let renewed = authenticate(store, &session.username, password, Subtype::Unlock)?;
    if renewed.user_id == session.user_id {
        Ok(())
    } else {
        Err(CoreError::BadCredentials)
    }
}

/// How many users exist (for first-run hints).
pub fn user_count(store: &Store) -> Result<i64, CoreError> {
    Ok(store
        .conn()
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?)
}
