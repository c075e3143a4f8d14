//! `chartdesk install-server`, `chartdesk doctor`, `chartdesk rekey` and where the database key
//! comes from: the shared-server trust model on disk (AUD-10) and encryption at rest (AUD-05).
//!
//! The install: a service group; the database folder `root:GROUP` (or `OWNER:GROUP`) mode 2770
//! (set-group-id, so every file created in it gets the group); the database, WAL, SHM and anchor
//! files `OWNER:GROUP` 0660; the binary `root:GROUP` 2755 (set-group-id). Users run the binary
//! and hold the group only inside chartdesk; they are not members of it, so they cannot open the
//! file any other way. Nothing is world-accessible.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::host;
use crate::store::{DbKey, Store};

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Service group that owns the database (created when missing)
    #[arg(long, default_value = "chartdesk")]
    pub group: String,
    /// OS account that owns the database file and runs administrative commands [default: root]
    #[arg(long)]
    pub owner: Option<String>,
    /// The chartdesk binary to make set-group-id [default: this binary]
    #[arg(long)]
    pub binary: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RekeyArgs {
    /// File holding the new key [default: $CHARTDESK_NEW_KEY, else a prompt]
    #[arg(long, value_name = "PATH")]
    pub new_key_file: Option<PathBuf>,
}

/// Read a key file; it must not be readable by others (0600, or 0640 for the service group).
fn key_file(path: &Path) -> Result<DbKey> {
    let meta = std::fs::metadata(path).with_context(|| format!("key file {}", path.display()))?;
    if meta.mode() & 0o027 != 0 {
        bail!(
            "key file {} is mode {:o}: it must not be writable by its group nor readable by others (chmod 600) (AUD-05)",
            path.display(),
            meta.mode() & 0o7777
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading key file {}", path.display()))?;
    DbKey::new(&text).with_context(|| format!("key file {} is empty", path.display()))
}

/// The database key for this process: `--key-file`, else `CHARTDESK_KEY_FILE`, else
/// `CHARTDESK_KEY`, else — when the database file exists and is not a plain SQLite file and
/// standard input is a terminal — a prompt. `None`: open without a key.
pub fn key_from_options(flag: Option<&Path>, db: Option<&Path>) -> Result<Option<DbKey>> {
    if let Some(p) = flag {
        return key_file(p).map(Some);
    }
    if let Some(p) = std::env::var_os("CHARTDESK_KEY_FILE").filter(|p| !p.is_empty()) {
        return key_file(Path::new(&p)).map(Some);
    }
    if let Some(k) = std::env::var("CHARTDESK_KEY")
        .ok()
        .and_then(|k| DbKey::new(&k))
    {
        return Ok(Some(k));
    }
    let Some(db) = db else { return Ok(None) };
    let encrypted = looks_encrypted(db);
    if encrypted && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        let k = rpassword::prompt_password(format!("Key for {}: ", db.display()))
            .context("reading the database key")?;
        return Ok(DbKey::new(&k));
    }
    Ok(None)
}

/// A non-empty file whose first bytes are not SQLite's plain header: an encrypted database
/// (or not a database at all; opening will tell).
fn looks_encrypted(db: &Path) -> bool {
    use std::io::Read;
    let mut header = [0u8; 16];
    std::fs::File::open(db)
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| &header != b"SQLite format 3\0")
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn run_tool(program: &str, args: &[&str]) -> Result<()> {
    let status = std::process::Command::new(program)
        .args(args)
        .status()
        .with_context(|| format!("running {program}"))?;
    if !status.success() {
        bail!("{program} {} failed ({status})", args.join(" "));
    }
    Ok(())
}

/// `chartdesk install-server`: see the module docs. Needs root.
pub fn install_server(db: &Path, args: &InstallArgs) -> Result<ExitCode> {
    let me = host::current_user();
    if me.uid != 0 {
        bail!(
            "install-server changes owners and set-group-id bits: run it as root (you are {}, uid {})",
            me.name,
            me.uid
        );
    }
    let gid = match host::gid_of(&args.group) {
        Some(g) => g,
        None => {
            run_tool("groupadd", &["--system", &args.group])?;
            host::gid_of(&args.group)
                .with_context(|| format!("group {} was not created", args.group))?
        }
    };
    let owner = match &args.owner {
        Some(name) => {
            host::uid_of(name).with_context(|| format!("--owner {name}: no such OS user"))?
        }
        None => 0,
    };
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    std::os::unix::fs::chown(&dir, Some(owner), Some(gid))
        .with_context(|| format!("chown {}", dir.display()))?;
    host::set_mode(&dir, 0o2770).with_context(|| format!("chmod {}", dir.display()))?;
    if !db.exists() {
        let mut store = Store::open_or_create(db)?;
        crate::codes::load_embedded(&mut store, &crate::audit::Actor::system("install-server"))?;
    }
    for p in [
        db.to_path_buf(),
        sibling(db, "-wal"),
        sibling(db, "-shm"),
        sibling(db, ".anchors"),
    ] {
        if p.exists() {
            std::os::unix::fs::chown(&p, Some(owner), Some(gid))
                .with_context(|| format!("chown {}", p.display()))?;
            host::set_mode(&p, 0o660).with_context(|| format!("chmod {}", p.display()))?;
        }
    }
    let binary = match &args.binary {
        Some(b) => b.clone(),
        None => std::env::current_exe().context("locating this binary")?,
    };
    std::os::unix::fs::chown(&binary, Some(0), Some(gid))
        .with_context(|| format!("chown {}", binary.display()))?;
    host::set_mode(&binary, 0o2755).with_context(|| format!("chmod {}", binary.display()))?;
    println!(
        "installed: group {} (gid {gid}); {} {}:{} 2770; {} 0660; {} set-group-id {}",
        args.group,
        dir.display(),
        host::user_name(owner),
        args.group,
        db.display(),
        binary.display(),
        args.group
    );
    println!(
        "next: keep users out of group {}; run administrative commands as {}; `chartdesk doctor` checks this",
        args.group,
        host::user_name(owner)
    );
    Ok(ExitCode::SUCCESS)
}

/// One finding of `doctor`.
struct Finding {
    fail: bool,
    text: String,
}

/// `chartdesk doctor`: check the files and the binary; exit 1 when any check fails.
pub fn doctor(db: &Path) -> Result<ExitCode> {
    let mut out: Vec<Finding> = Vec::new();
    let mut check = |fail: bool, text: String| out.push(Finding { fail, text });
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let meta = std::fs::metadata(db).with_context(|| format!("database {}", db.display()))?;
    let dmeta = std::fs::metadata(&dir).with_context(|| format!("folder {}", dir.display()))?;
    let shared = dmeta.mode() & 0o2000 != 0;
    let gid = meta.gid();
    let describe = |m: &std::fs::Metadata| {
        format!(
            "{}:{} {:o}",
            host::user_name(m.uid()),
            host::group_name(m.gid()),
            m.mode() & 0o7777
        )
    };
    check(
        dmeta.mode() & 0o007 != 0,
        format!(
            "folder {} is {}; no access for others",
            dir.display(),
            describe(&dmeta)
        ),
    );
    let files = [
        db.to_path_buf(),
        sibling(db, "-wal"),
        sibling(db, "-shm"),
        sibling(db, ".anchors"),
    ];
    for p in files.iter().filter(|p| p.exists()) {
        let m = std::fs::metadata(p)?;
        let mode = m.mode() & 0o777;
        let bad = if shared {
            mode & 0o007 != 0 || m.gid() != gid || mode & 0o060 != 0o060
        } else {
            mode & 0o077 != 0
        };
        let want = if shared {
            "0660 with the service group"
        } else {
            "0600"
        };
        check(
            bad,
            format!("{} is {} (want {want})", p.display(), describe(&m)),
        );
    }
    if shared {
        check(
            dmeta.gid() != gid,
            format!(
                "folder group {} matches the database group {}",
                host::group_name(dmeta.gid()),
                host::group_name(gid)
            ),
        );
    }
    match std::env::current_exe().and_then(std::fs::metadata) {
        Ok(b) => {
            let sgid = b.mode() & 0o2000 != 0;
            if shared {
                check(
                    !sgid || b.gid() != gid,
                    format!(
                        "binary is {} (want set-group-id {})",
                        describe(&b),
                        host::group_name(gid)
                    ),
                );
            } else {
                check(
                    false,
                    format!(
                        "single-user install (folder not set-group-id); binary {} — run `chartdesk install-server` for a shared server",
                        describe(&b)
                    ),
                );
            }
            check(
                b.mode() & 0o022 != 0,
                format!(
                    "binary not writable by group or others ({:o})",
                    b.mode() & 0o7777
                ),
            );
        }
        Err(e) => check(true, format!("cannot inspect this binary: {e}")),
    }
    let encrypted = looks_encrypted(db);
    let enc_text = if encrypted {
        "database is encrypted at rest (AUD-05)".to_string()
    } else if cfg!(feature = "encryption") {
        "WARN database is not encrypted (AUD-05): `chartdesk rekey` encrypts it".to_string()
    } else {
        "WARN database is not encrypted and this build has no encryption (AUD-05): build with --features encryption".to_string()
    };
    check(false, enc_text);
    // Releases a crash interrupted (issue #17): finish the committed, remove the rest.
    let journal = crate::roi::release_files::journal_dir(db);
    let pending = std::fs::read_dir(&journal).map_or(0, |d| d.filter_map(Result::ok).count());
    if pending > 0 {
        let settled = super::session::system(db, "doctor").and_then(|actor| {
            let mut store = crate::store::Store::open(db)?;
            Ok(crate::roi::release_files::recover(&mut store, &actor)?)
        });
        match settled {
            Ok(notes) => {
                for n in notes {
                    check(
                        n.failed,
                        format!("release packet: {}", crate::text::sanitize_line(&n.text)),
                    );
                }
            }
            Err(e) => check(
                true,
                format!(
                    "{pending} interrupted release(s) in {} not settled: {e:#}",
                    journal.display()
                ),
            ),
        }
    } else {
        check(false, "no interrupted release packets".to_string());
    }
    // Spill folders of FHIR imports a crash killed (issue #17): they hold a file's entries
    // (PHI); those whose process is gone are removed.
    let tmp = std::env::temp_dir();
    let stale = crate::import::fhir_spill::remove_stale(&tmp);
    if stale.is_empty() {
        check(
            false,
            format!(
                "no FHIR import spill folders left by a crash in {}",
                tmp.display()
            ),
        );
    }
    for s in stale {
        match s.error {
            None => check(
                false,
                format!(
                    "removed FHIR import spill folder {} (its import, process {}, is gone)",
                    s.path.display(),
                    s.pid
                ),
            ),
            Some(e) => check(
                true,
                format!(
                    "cannot remove FHIR import spill folder {} (process {} is gone; it holds PHI): {e}",
                    s.path.display(),
                    s.pid
                ),
            ),
        }
    }
    let mut failed = false;
    for f in &out {
        failed |= f.fail;
        let tag = if f.fail {
            "FAIL"
        } else if f.text.starts_with("WARN ") {
            ""
        } else {
            "ok  "
        };
        if tag.is_empty() {
            println!("{}", f.text);
        } else {
            println!("{tag} {}", f.text);
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `chartdesk rekey`: the owner re-encrypts (or first encrypts) the database under a new key.
pub fn rekey(db: &Path, args: &RekeyArgs) -> Result<ExitCode> {
    let actor = super::session::system(db, "rekey")?;
    let new = match &args.new_key_file {
        Some(p) => key_file(p)?,
        None => match std::env::var("CHARTDESK_NEW_KEY")
            .ok()
            .and_then(|k| DbKey::new(&k))
        {
            Some(k) => k,
            None => {
                let a = rpassword::prompt_password("New key: ").context("reading the new key")?;
                let b = rpassword::prompt_password("Again: ").context("reading the new key")?;
                if a != b {
                    bail!("the two keys differ");
                }
                DbKey::new(&a).context("the new key is empty")?
            }
        },
    };
    let mut store = Store::open(db)?;
    let was = if crate::store::process_key().is_some() {
        "re-encrypted"
    } else {
        "encrypted"
    };
    store.transact(&actor, |_tx, audit| {
        audit.record(
            crate::audit::Event::new(
                crate::audit::Action::Execute,
                crate::audit::Subtype::Update,
                "database",
                "key",
            )
            .reason(format!("database {was} under a new key (AUD-05)")),
        );
        Ok::<_, crate::CoreError>(())
    })?;
    crate::store::rekey(store, &new)?;
    println!("{} {was} under the new key", db.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn aud_05_a_key_file_open_to_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key");
        std::fs::write(&p, "secret\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = key_file(&p).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(key_file(&p).unwrap(), DbKey::new("secret").unwrap());
    }
}
