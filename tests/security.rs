//! The trust model (AUD-10, AUD-12, AUD-09): the command line authenticates a chartdesk user,
//! administrative actions need the database owner, PHI files are private whatever the umask,
//! and — as a second OS user on a service-group install — the file cannot be read, nothing can
//! be done without a password, and nobody can be impersonated.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_chartdesk"))
}

/// The binary on `db`, with sessions kept in `sessions`.
fn cd(db: &Path, sessions: &Path) -> Command {
    let mut c = Command::new(bin());
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_KEY")
        .env_remove("CHARTDESK_KEY_FILE")
        .env("CHARTDESK_SESSION_DIR", sessions);
    c
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .mode()
        & 0o7777
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// (username, subtype, entity_id, detail) of the last `n` audit rows, oldest first.
fn last_rows(db: &Path, n: i64) -> Vec<(String, String, String, String)> {
    let store = chartdesk::store::Store::open(db).expect("open");
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT username, subtype, entity_id, detail FROM
               (SELECT * FROM audit_log ORDER BY seq DESC LIMIT ?1) ORDER BY seq",
        )
        .expect("prepare");
    stmt.query_map([n], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn aud_10_as_user_needs_a_session_or_the_password() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let sessions = dir.path().join("sessions");
    // No proof: refused, even for the database owner running the command.
    cd(&db, &sessions)
        .args(["roi", "--as", "rita", "list"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no session for rita").and(predicate::str::contains("AUD-10")),
        );
    cd(&db, &sessions)
        .args([
            "report",
            "disclosures",
            "--patient",
            "MRN0000001",
            "--as",
            "rita",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no session for rita"));
    // The password on standard input is proof, checked by the audited core login.
    cd(&db, &sessions)
        .args(["--password-stdin", "roi", "--as", "rita", "list"])
        .write_stdin("password-rita\n")
        .assert()
        .success();
    let rows = last_rows(&db, 2);
    assert_eq!(rows[0].0, "rita");
    assert_eq!(rows[0].1, "login");
    assert_eq!(rows[1].0, "rita", "the list is audited as rita: {rows:?}");
}

#[test]
fn aud_10_as_user_respects_the_lockout() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let sessions = dir.path().join("sessions");
    for _ in 0..5 {
        cd(&db, &sessions)
            .args(["--password-stdin", "roi", "--as", "rita", "list"])
            .write_stdin("guess\n")
            .assert()
            .code(1);
    }
    // Locked now: even the right password is refused until a supervisor unlocks.
    cd(&db, &sessions)
        .args(["--password-stdin", "roi", "--as", "rita", "list"])
        .write_stdin("password-rita\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("locked"));
    cd(&db, &sessions)
        .args(["--password-stdin", "login", "rita"])
        .write_stdin("password-rita\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("locked"));
    cd(&db, &sessions)
        .args(["user", "unlock", "rita"])
        .assert()
        .success();
    cd(&db, &sessions)
        .args(["--password-stdin", "roi", "--as", "rita", "list"])
        .write_stdin("password-rita\n")
        .assert()
        .success();
}

#[test]
fn aud_10_login_session_is_private_short_lived_and_bound_to_the_terminal() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let sessions = dir.path().join("sessions");
    cd(&db, &sessions)
        .args(["--password-stdin", "login", "carl"])
        .write_stdin("password-carl\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("logged in as carl"));
    assert_eq!(mode(&sessions), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&sessions)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(mode(&files[0]), 0o600);
    // The token is not in the database, only its hash.
    let token = std::fs::read_to_string(&files[0]).expect("token");
    let store = chartdesk::store::Store::open(&db).expect("open");
    let (sha, term): (String, String) = store
        .conn()
        .query_row("SELECT token_sha256, terminal FROM cli_sessions", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("session row");
    assert_ne!(sha, token.trim());
    assert!(term.contains("sid"), "{term}");
    drop(store);
    // Later commands act as carl without --as (and carl's role applies).
    cd(&db, &sessions)
        .arg("whoami")
        .assert()
        .success()
        .stdout(predicate::str::contains("chartdesk user carl (coder)"));
    cd(&db, &sessions)
        .args(["coding", "queue"])
        .assert()
        .success();
    assert_eq!(last_rows(&db, 1)[0].0, "carl");
    cd(&db, &sessions)
        .args(["roi", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("permission denied"));
    // Another login session (a new kernel session id: another terminal) is not bound to it.
    let mut other = std::process::Command::new("setsid");
    other
        .arg("-w")
        .arg(bin())
        .arg("--db")
        .arg(&db)
        .args(["roi", "--as", "carl", "list"])
        .env("CHARTDESK_SESSION_DIR", &sessions)
        .stdin(std::process::Stdio::null());
    match other.output() {
        Ok(out) => {
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("no session for carl"), "{err}");
        }
        Err(e) => eprintln!("setsid not available ({e}); terminal binding not exercised"),
    }
    // Expired: no longer proof, and the expiry is audited.
    // Time passes: the test edits the file directly (the store's handles cannot write).
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute(
            "UPDATE cli_sessions SET expires_at = '2000-01-01T00:00:00.000Z'",
            [],
        )
        .expect("expire");
    cd(&db, &sessions)
        .args(["roi", "--as", "carl", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no session for carl"));
    assert!(
        last_rows(&db, 3)
            .iter()
            .any(|r| r.1 == "auto_logoff" && r.2 == "2"),
        "{:?}",
        last_rows(&db, 3)
    );
    // Logout removes the file.
    cd(&db, &sessions)
        .args(["--password-stdin", "login", "carl"])
        .write_stdin("password-carl\n")
        .assert()
        .success();
    cd(&db, &sessions)
        .arg("logout")
        .assert()
        .success()
        .stdout(predicate::str::contains("logged out carl"));
    assert_eq!(std::fs::read_dir(&sessions).expect("dir").count(), 0);
}

#[test]
fn aud_10_roi_qa_is_not_the_releaser_on_the_cli() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let sessions = dir.path().join("sessions");
    cd(&db, &sessions)
        .args(["--password-stdin", "login", "rita"])
        .write_stdin("password-rita\n")
        .assert()
        .success();
    cd(&db, &sessions)
        .args([
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "self",
            "--name",
            "Ana Rivera",
        ])
        .assert()
        .success();
    cd(&db, &sessions)
        .args(["roi", "verify", "1", "--method", "photo ID"])
        .assert()
        .success();
    cd(&db, &sessions)
        .args(["roi", "validate", "1"])
        .assert()
        .success();
    cd(&db, &sessions)
        .args(["roi", "submit", "1"])
        .assert()
        .success();
    // The releaser cannot pass her own QA, and cannot borrow the supervisor's name.
    cd(&db, &sessions)
        .args(["roi", "qa", "1", "--pass"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("other than the releaser"));
    cd(&db, &sessions)
        .args(["roi", "--as", "sam", "qa", "1", "--pass"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no session for sam"));
    cd(&db, &sessions)
        .args([
            "--password-stdin",
            "roi",
            "--as",
            "sam",
            "qa",
            "1",
            "--pass",
        ])
        .write_stdin("password-rita\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("wrong user name or password"));
    cd(&db, &sessions)
        .args([
            "--password-stdin",
            "roi",
            "--as",
            "sam",
            "qa",
            "1",
            "--pass",
        ])
        .write_stdin("password-sam\n")
        .assert()
        .success();
    // The packet is written 0700/0600 even under umask 000 (AUD-10).
    let out = dir.path().join("packets");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(bin())
        .arg("--db")
        .arg(&db)
        .arg("release")
        .arg("REQ-000001")
        .arg("--out")
        .arg(&out)
        .env("CHARTDESK_SESSION_DIR", &sessions)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("release");
    assert!(status.success());
    assert_eq!(mode(&out), 0o700);
    assert_eq!(mode(&out.join("REQ-000001")), 0o700);
    assert_eq!(mode(&out.join("REQ-000001.zip")), 0o600);
    assert_eq!(mode(&out.join("REQ-000001/manifest.json")), 0o600);
    for e in std::fs::read_dir(out.join("REQ-000001")).expect("packet") {
        let p = e.expect("entry").path();
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&p), want, "{}", p.display());
    }
    let rows = last_rows(&db, 1);
    assert_eq!(rows[0].0, "rita");
    assert_eq!(rows[0].1, "release");
}

#[test]
fn aud_10_phi_files_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().expect("tmp");
    // SAFETY: umask only changes this test process's creation mask; restored below.
    let old = unsafe { libc::umask(0o000) };
    let db = dir.path().join("sub/m.db");
    let store = common::seeded(&db);
    let anchors = sibling(&db, ".anchors");
    chartdesk::audit::write_anchor(
        &anchors,
        &chartdesk::audit::Anchor::new(1, "x", "2026-01-01T00:00:00.000Z"),
    )
    .expect("anchor");
    // A service-group folder (set-group-id): group-shared, still closed to others.
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o2770)).expect("chmod");
    let sdb = shared.join("g.db");
    let sstore = common::seeded(&sdb);
    unsafe { libc::umask(old) };
    assert_eq!(mode(&dir.path().join("sub")), 0o700);
    for p in [
        db.clone(),
        sibling(&db, "-wal"),
        sibling(&db, "-shm"),
        anchors,
    ] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    for p in [sdb.clone(), sibling(&sdb, "-wal"), sibling(&sdb, "-shm")] {
        assert_eq!(mode(&p), 0o660, "{}", p.display());
    }
    drop((store, sstore));
}

#[test]
fn aud_10_audited_os_name_comes_from_the_kernel_not_user() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    let sessions = dir.path().join("sessions");
    cd(&db, &sessions)
        .env("USER", "mallory")
        .arg("init")
        .assert()
        .success();
    let rows = last_rows(&db, 1);
    let me = chartdesk::host::current_user();
    assert_eq!(rows[0].0, format!("system:init:{}", me.name));
    assert!(!rows[0].0.contains("mallory"));
}

#[test]
fn aud_12_failed_login_stores_no_typed_text_for_unknown_names() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    let mut store = common::seeded(&db);
    for _ in 0..2 {
        assert!(chartdesk::accounts::login(&mut store, "Tr0ub4dor&3-secret", "x").is_err());
    }
    assert!(chartdesk::accounts::login(&mut store, "another-typo", "x").is_err());
    assert!(chartdesk::accounts::login(&mut store, "rita", "wrong-password").is_err());
    drop(store);
    let rows = last_rows(&db, 4);
    let all: String = rows.iter().map(|r| format!("{r:?}")).collect();
    assert!(!all.contains("Tr0ub4dor"), "typed text stored: {all}");
    assert!(!all.contains("another-typo"), "typed text stored: {all}");
    let hmac = |r: &(String, String, String, String)| -> String {
        let v: serde_json::Value = serde_json::from_str(&r.3).expect("json");
        v["attempt_hmac"].as_str().expect("hmac").to_string()
    };
    for r in &rows[..3] {
        assert_eq!(
            (r.0.as_str(), r.1.as_str(), r.2.as_str()),
            ("unknown", "login_failed", "unknown")
        );
    }
    assert_eq!(hmac(&rows[0]), hmac(&rows[1]), "same text, same hash");
    assert_ne!(hmac(&rows[0]), hmac(&rows[2]));
    // An existing user's failure names the user.
    assert_eq!(rows[3].0, "rita");
    assert_eq!(rows[3].1, "login_failed");
}

#[test]
fn aud_09_edits_on_an_encounter_is_an_audited_view() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("s.db");
    drop(common::seeded(&db));
    let sessions = dir.path().join("sessions");
    cd(&db, &sessions)
        .args(["--password-stdin", "login", "carl"])
        .write_stdin("password-carl\n")
        .assert()
        .success();
    let _ = cd(&db, &sessions)
        .args(["edits", "--encounter", "1"])
        .assert();
    let store = chartdesk::store::Store::open(&db).expect("open");
    let (user, mrn, subtype): (String, String, String) = store
        .conn()
        .query_row(
            "SELECT username, patient_mrn, subtype FROM audit_log WHERE entity_type = 'coding' ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a view row for the edits read");
    assert_eq!(
        (user.as_str(), mrn.as_str(), subtype.as_str()),
        ("carl", "MRN0000001", "view")
    );
}

// ---------------------------------------------------------------------------------------------
// A second OS user on a service-group install.

fn tool(name: &str) -> bool {
    ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        .iter()
        .any(|d| Path::new(d).join(name).exists())
}

fn sh(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Removes the throwaway user and group however the test ends.
struct Throwaway {
    user: String,
    group: String,
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        sh("userdel", &[&self.user]);
        sh("groupdel", &[&self.group]);
    }
}

/// Run the installed binary as `user` (via runuser), with `stdin` as standard input.
fn as_os_user(user: &str, args: &[&str], stdin: &str, sessions: &Path) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new("runuser")
        .arg("-u")
        .arg(user)
        .arg("--")
        .args(args)
        .env("CHARTDESK_SESSION_DIR", sessions)
        .env_remove("CHARTDESK_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("runuser");
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

#[test]
fn aud_10_second_os_user_cannot_read_act_without_password_or_impersonate() {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    // SAFETY: getuid cannot fail.
    let root = unsafe { libc::getuid() } == 0;
    let tools = tool("useradd") && tool("runuser") && tool("groupadd");
    if !root || !tools {
        let why = if root {
            "useradd/runuser/groupadd missing"
        } else {
            "not running as root"
        };
        eprintln!("skipping the second-OS-user scenario: {why}");
        assert!(
            !(ci && root && tool("useradd")),
            "CI=true: the scenario must run"
        );
        return;
    }
    let n = std::process::id();
    let guard = Throwaway {
        user: format!("cdsec{n}"),
        group: format!("cdsecg{n}"),
    };
    assert!(
        sh(
            "useradd",
            &["--no-create-home", "--shell", "/bin/false", &guard.user]
        ),
        "useradd failed"
    );
    let top = tempfile::tempdir().expect("tmp");
    std::fs::set_permissions(top.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bindir = top.path().join("bin");
    std::fs::create_dir(&bindir).expect("mkdir");
    std::fs::set_permissions(&bindir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let installed = bindir.join("chartdesk");
    std::fs::copy(bin(), &installed).expect("copy binary");
    let data = top.path().join("data");
    let db = data.join("chartdesk.db");
    let root_sessions = top.path().join("root-sessions");
    let user_sessions = top.path().join("user-sessions");
    cd(&db, &root_sessions)
        .arg("install-server")
        .arg("--group")
        .arg(&guard.group)
        .arg("--binary")
        .arg(&installed)
        .assert()
        .success();
    let gid = std::fs::metadata(&db).expect("db").gid();
    assert_eq!(mode(&data), 0o2770);
    assert_eq!(mode(&db), 0o660);
    assert_eq!(mode(&installed), 0o2755);
    assert_eq!(std::fs::metadata(&installed).expect("bin").gid(), gid);
    // The owner bootstraps users as the system administrator.
    for (u, role) in [("rita", "roi"), ("sam", "supervisor")] {
        Command::new(&installed)
            .args(["--db"])
            .arg(&db)
            .args(["user", "add", u, "--role", role, "--password-stdin"])
            .write_stdin(format!("password-{u}\n"))
            .assert()
            .success();
    }
    Command::new(&installed)
        .arg("--db")
        .arg(&db)
        .arg("doctor")
        .assert()
        .success()
        .stdout(predicate::str::contains("FAIL").not());
    std::fs::create_dir(&user_sessions).expect("mkdir");
    let uid = chartdesk::host::uid_of(&guard.user).expect("uid");
    std::os::unix::fs::chown(&user_sessions, Some(uid), None).expect("chown");
    let db_s = db.to_str().expect("utf-8 path");
    let exe = installed.to_str().expect("utf-8 path");
    let user = guard.user.as_str();

    // 1. The file cannot be read outside chartdesk.
    let cat = as_os_user(user, &["cat", db_s], "", &user_sessions);
    assert!(
        !cat.status.success(),
        "the second user read the database file"
    );
    // 2. Nothing without a password: no default identity, no --as, no admin.
    let out = as_os_user(
        user,
        &[exe, "--db", db_s, "roi", "list"],
        "",
        &user_sessions,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not logged in"),
        "{out:?}"
    );
    let out = as_os_user(
        user,
        &[exe, "--db", db_s, "roi", "--as", "rita", "list"],
        "",
        &user_sessions,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no session for rita"),
        "{out:?}"
    );
    let out = as_os_user(
        user,
        &[
            exe,
            "--db",
            db_s,
            "--password-stdin",
            "roi",
            "--as",
            "rita",
            "list",
        ],
        "not-her-password\n",
        &user_sessions,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong user name or password"));
    for admin in [
        vec!["init"],
        vec![
            "user",
            "add",
            "eve",
            "--role",
            "supervisor",
            "--password-stdin",
        ],
        vec!["analyze"],
        vec!["settings", "set", "max_failed_logins", "20"],
    ] {
        let mut args = vec![exe, "--db", db_s];
        args.extend(admin.iter().copied());
        let out = as_os_user(user, &args, "eve-password-1\n", &user_sessions);
        assert!(
            !out.status.success(),
            "{admin:?} succeeded for a second user"
        );
    }
    // The set-group-id binary reads no input file for them that only the group may read.
    let group_only = top.path().join("group-only.json");
    std::fs::write(&group_only, "{}").expect("write");
    std::os::unix::fs::chown(&group_only, Some(0), Some(gid)).expect("chown");
    std::fs::set_permissions(&group_only, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = as_os_user(
        user,
        &[exe, "auth", "check", group_only.to_str().expect("utf-8")],
        "",
        &user_sessions,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("you may not read it yourself"),
        "{out:?}"
    );
    // A database needing migration is migrated only by its owner.
    let set_version = |v: i64| {
        // Raw SQLite: the store itself would migrate on open (we are the owner).
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.pragma_update(None, "user_version", v)
            .expect("user_version");
    };
    let current = chartdesk::store::SCHEMA_VERSION;
    set_version(current - 1);
    let out = as_os_user(
        user,
        &[
            exe,
            "--db",
            db_s,
            "--password-stdin",
            "roi",
            "--as",
            "rita",
            "list",
        ],
        "password-rita\n",
        &user_sessions,
    );
    set_version(current);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("only the OS account that owns the file"),
        "{out:?}"
    );
    // With rita's password, the set-group-id binary works for them — as rita, audited so.
    let out = as_os_user(
        user,
        &[
            exe,
            "--db",
            db_s,
            "--password-stdin",
            "roi",
            "--as",
            "rita",
            "list",
        ],
        "password-rita\n",
        &user_sessions,
    );
    assert!(out.status.success(), "{out:?}");
    let rows = last_rows(&db, 1);
    assert_eq!(rows[0].0, "rita");
    // 3. No impersonation: the owner's session token, planted in the user's session file,
    //    is bound to the owner's uid and refused.
    let out = as_os_user(
        user,
        &[exe, "--db", db_s, "--password-stdin", "login", "rita"],
        "password-rita\n",
        &user_sessions,
    );
    assert!(out.status.success(), "{out:?}");
    cd(&db, &root_sessions)
        .args(["--password-stdin", "login", "sam"])
        .write_stdin("password-sam\n")
        .assert()
        .success();
    let root_token = std::fs::read_dir(&root_sessions)
        .expect("dir")
        .next()
        .expect("root session")
        .expect("entry")
        .path();
    let user_token = std::fs::read_dir(&user_sessions)
        .expect("dir")
        .next()
        .expect("user session")
        .expect("entry")
        .path();
    let read_root = as_os_user(
        user,
        &["cat", root_token.to_str().expect("utf-8")],
        "",
        &user_sessions,
    );
    assert!(
        !read_root.status.success(),
        "the owner's token was readable"
    );
    std::fs::write(&user_token, std::fs::read(&root_token).expect("token")).expect("plant");
    let out = as_os_user(
        user,
        &[exe, "--db", db_s, "roi", "--as", "sam", "list"],
        "",
        &user_sessions,
    );
    assert!(!out.status.success(), "a planted token worked: {out:?}");
    let out = as_os_user(user, &[exe, "--db", db_s, "whoami"], "", &user_sessions);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("not logged in"),
        "{out:?}"
    );
    drop(guard);
}
