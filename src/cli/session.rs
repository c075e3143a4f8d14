//! Who a command acts as (AUD-10). One place resolves the actor of every CLI command:
//!
//! - `--as USER` acts as that chartdesk user only with proof: a live `chartdesk login` session
//!   for that user on this terminal, or the user's password (prompted on a terminal, or the
//!   first line of standard input with `--password-stdin`). The password check is the core's
//!   login: audited, and it counts toward (and respects) the account lockout.
//! - Without `--as`, a live session's user acts; else the OS account that owns the database file
//!   (or root) acts as the system administrator; anyone else is refused.
//! - Administrative actions (init, migrations, user bootstrap, imports, code loads, analysis)
//!   need the OS account that owns the database file, checked by uid from the kernel.
//!
//! A session is a random 256-bit token in a 0600 file in a 0700 folder; the database keeps only
//! its SHA-256 with the OS uid and terminal (tty name and kernel session id) it is bound to and
//! its expiry (`cli_session_minutes`). A copied token is refused under another uid or terminal.

use std::io::{BufRead, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result, bail};
use rusqlite::OptionalExtension;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::accounts;
use crate::audit::{Action, Actor, Event, Subtype, utc_ms};
use crate::domain::Role;
use crate::host;
use crate::settings;
use crate::store::Store;

static PASSWORD_STDIN: AtomicBool = AtomicBool::new(false);

/// `--password-stdin` was given: passwords come from standard input, one per line.
pub fn set_password_stdin(on: bool) {
    PASSWORD_STDIN.store(on, Ordering::Relaxed);
}

fn password_stdin() -> bool {
    PASSWORD_STDIN.load(Ordering::Relaxed)
}

/// The next line of standard input as a password (for `--password-stdin`).
pub fn stdin_password(what: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .with_context(|| format!("reading {what} from standard input"))?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        bail!("no {what} on standard input (--password-stdin)");
    }
    Ok(pw)
}

/// The terminal a session is bound to: the tty the kernel names (or `notty`) and the kernel
/// session id of the login it belongs to.
pub fn terminal() -> String {
    format!(
        "{} sid {}",
        host::tty().unwrap_or_else(|| "notty".into()),
        host::session_id()
    )
}

/// The folder session files live in: `CHARTDESK_SESSION_DIR`, else `$XDG_RUNTIME_DIR/chartdesk`,
/// else the platform data folder. The location is not a trust anchor (the database checks uid
/// and terminal); the folder is created 0700 and a file is refused unless it is the caller's
/// own and private.
fn session_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("CHARTDESK_SESSION_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("chartdesk"));
    }
    directories::ProjectDirs::from("org", "chartdesk", "chartdesk")
        .map(|d| d.data_local_dir().join("sessions"))
        .context("no folder for the session file; set CHARTDESK_SESSION_DIR")
}

fn session_file(db: &Path) -> Result<PathBuf> {
    let canonical = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let mut h = Sha256::new();
    h.update(canonical.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(host::current_user().uid.to_le_bytes());
    h.update(terminal().as_bytes());
    let name = format!("session-{}", &hex(&h.finalize())[..24]);
    Ok(session_dir()?.join(name))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_sha(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn random_token() -> Result<String> {
    let mut buf = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .context("reading /dev/urandom for a session token")?;
    Ok(hex(&buf))
}

/// The actor a session file on this terminal proves, if any. A stale, foreign or expired
/// session is no proof (an expired one is deleted).
pub(crate) fn session_actor(store: &mut Store) -> Result<Option<Actor>> {
    let file = session_file(store.path())?;
    let meta = match std::fs::metadata(&file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    let me = host::current_user();
    if meta.uid() != me.uid || meta.mode() & 0o077 != 0 {
        bail!(
            "session file {} is not private to {} (owner uid {}, mode {:o}); remove it and run `chartdesk login` again (AUD-10)",
            file.display(),
            me.name,
            meta.uid(),
            meta.mode() & 0o7777
        );
    }
    let token =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let sha = token_sha(token.trim());
    let row: Option<(i64, i64, String, String)> = store
        .conn()
        .query_row(
            "SELECT user_id, os_uid, terminal, expires_at FROM cli_sessions WHERE token_sha256 = ?1",
            [&sha],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((user_id, os_uid, term, expires)) = row else {
        return Ok(None);
    };
    if os_uid != i64::from(me.uid) || term != terminal() {
        return Ok(None);
    }
    let now = utc_ms(store.now());
    if expires <= now {
        store.transact(&Actor::system("session"), |tx, audit| {
            tx.execute("DELETE FROM cli_sessions WHERE token_sha256 = ?1", [&sha])?;
            audit.record(
                Event::new(Action::Execute, Subtype::AutoLogoff, "user", user_id)
                    .reason("command-line session expired (cli_session_minutes)"),
            );
            Ok::<_, crate::CoreError>(())
        })?;
        let _ = std::fs::remove_file(&file);
        return Ok(None);
    }
    let (username, role, disabled, locked): (String, String, i64, i64) = store.conn().query_row(
        "SELECT username, role, disabled, locked FROM users WHERE id = ?1",
        [user_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    if disabled != 0 {
        bail!("{username}: the account is disabled; the session no longer counts");
    }
    if locked != 0 {
        bail!("{username}: the account is locked; a supervisor must unlock it");
    }
    let role = Role::parse(&role).with_context(|| format!("{username}: unknown role {role}"))?;
    Ok(Some(Actor::user(user_id, &username, role)))
}

/// Check `username`'s password (prompted, or from standard input) through the core login:
/// audited, and counted toward the lockout.
fn password_actor(store: &mut Store, username: &str) -> Result<Actor> {
    let password = if password_stdin() {
        stdin_password(&format!("the password for {username}"))?
    } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        rpassword::prompt_password(format!("chartdesk password for {username}: "))
            .context("reading the password")?
    } else {
        bail!(
            "--as {username}: no session for {username} on this terminal; run `chartdesk login {username}` or pass --password-stdin (AUD-10)"
        );
    };
    let session =
        accounts::login(store, username, &password).with_context(|| format!("--as {username}"))?;
    Ok(session.actor())
}

/// The actor of a command: `--as USER` with proof, else the session's user, else the database
/// owner as the system administrator (see the module docs). `context` names the command in the
/// system actor's audit name.
pub fn actor(store: &mut Store, as_user: Option<&str>, context: &str) -> Result<Actor> {
    let session = session_actor(store)?;
    match as_user {
        Some(name) => match session {
            Some(a) if a.username == name => Ok(a),
            _ => password_actor(store, name),
        },
        None => {
            if let Some(a) = session {
                return Ok(a);
            }
            if host::is_database_owner(store.path()) {
                return Ok(Actor::system(context));
            }
            let me = host::current_user();
            bail!(
                "not logged in: {} (uid {}) does not own {}; run `chartdesk login USER` first, or pass --as USER (AUD-10)",
                me.name,
                me.uid,
                store.path().display()
            )
        }
    }
}

/// The system administrator for an administrative action, which needs the OS account owning
/// the database file (or root), checked by uid.
pub fn system(db: &Path, context: &str) -> Result<Actor> {
    if host::is_database_owner(db) {
        return Ok(Actor::system(context));
    }
    let me = host::current_user();
    let owner = host::owner_uid(db)
        .map(|u| format!("{} (uid {u})", host::user_name(u)))
        .unwrap_or_else(|_| "its owner".into());
    bail!(
        "`{context}` is an administrative action: run it as the OS account that owns {}, {owner}; you are {} (uid {}) (AUD-10)",
        db.display(),
        me.name,
        me.uid
    )
}

/// `chartdesk login USER`: check the password (audited, lockout), record a session bound to
/// this OS user and terminal, and leave its token in a private file. Returns the expiry.
pub fn login(store: &mut Store, username: &str) -> Result<String> {
    let password = if password_stdin() {
        stdin_password(&format!("the password for {username}"))?
    } else {
        rpassword::prompt_password(format!("chartdesk password for {username}: "))
            .context("reading the password")?
    };
    let session = accounts::login(store, username, &password)?;
    let minutes = settings::get_i64(store.conn(), crate::settings::Key::CliSessionMinutes)?;
    let now = store.now();
    let expires = utc_ms(now + chrono::Duration::minutes(minutes));
    let token = random_token()?;
    let sha = token_sha(&token);
    let me = host::current_user();
    let term = terminal();
    let file = session_file(store.path())?;
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        host::set_mode(&dir, 0o700).with_context(|| format!("securing {}", dir.display()))?;
    }
    let created = utc_ms(now);
    store.transact(&session.actor(), |tx, audit| {
        // One session per OS user and terminal; expired ones of anyone are swept.
        tx.execute(
            "DELETE FROM cli_sessions WHERE (os_uid = ?1 AND terminal = ?2) OR expires_at <= ?3",
            rusqlite::params![me.uid, term, created],
        )?;
        tx.execute(
            "INSERT INTO cli_sessions(token_sha256, user_id, os_uid, terminal, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            rusqlite::params![sha, session.user_id, me.uid, term, created, expires],
        )?;
        audit.record(
            Event::new(Action::Create, Subtype::Login, "cli_session", session.user_id).detail(
                json!({"os_user": me.name, "os_uid": me.uid, "terminal": term, "expires_at": expires}),
            ),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    match std::fs::remove_file(&file) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("replacing {}", file.display())),
    }
    let mut out = std::os::unix::fs::OpenOptionsExt::mode(
        std::fs::OpenOptions::new().write(true).create_new(true),
        0o600,
    )
    .open(&file)
    .with_context(|| format!("writing {}", file.display()))?;
    host::set_mode(&file, 0o600).with_context(|| format!("securing {}", file.display()))?;
    std::io::Write::write_all(&mut out, token.as_bytes())
        .with_context(|| format!("writing {}", file.display()))?;
    Ok(expires)
}

/// `chartdesk logout`: end this terminal's session (row and file). Returns the user it was.
pub fn logout(store: &mut Store) -> Result<Option<String>> {
    let file = session_file(store.path())?;
    let Some(actor) = session_actor(store)? else {
        let _ = std::fs::remove_file(&file);
        return Ok(None);
    };
    let token = std::fs::read_to_string(&file)?;
    let sha = token_sha(token.trim());
    store.transact(&actor, |tx, audit| {
        tx.execute("DELETE FROM cli_sessions WHERE token_sha256 = ?1", [&sha])?;
        audit.record(Event::new(
            Action::Execute,
            Subtype::Logout,
            "cli_session",
            actor.user_id.unwrap_or_default(),
        ));
        Ok::<_, crate::CoreError>(())
    })?;
    std::fs::remove_file(&file).with_context(|| format!("removing {}", file.display()))?;
    Ok(Some(actor.username))
}

/// `chartdesk whoami`: the OS identity from the kernel and the chartdesk user a command would
/// act as without `--as`.
pub fn whoami(store: &mut Store) -> Result<String> {
    let me = host::current_user();
    let who = match session_actor(store)? {
        Some(a) => format!("chartdesk user {} ({})", a.username, a.role.as_str()),
        None if host::is_database_owner(store.path()) => {
            "system administrator (owner of the database file)".to_string()
        }
        None => "nobody: not logged in".to_string(),
    };
    Ok(format!(
        "os user {} (uid {}) on {}\nacts as {who}\n",
        me.name,
        me.uid,
        terminal()
    ))
}
