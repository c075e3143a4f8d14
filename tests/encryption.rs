//! Encryption at rest (AUD-05), built with `--features encryption`: the database opens only
//! with its key, a wrong key is one clear line, `rekey` encrypts and changes the key, SQLCipher
//! prints nothing of its own, and release packets can be AES-256 zips.
#![cfg(feature = "encryption")]

mod common;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

const RAW_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn cd(db: &Path, dir: &Path) -> Command {
    let mut c = Command::cargo_bin("chartdesk").expect("binary");
    c.arg("--db")
        .arg(db)
        .env_remove("CHARTDESK_DB")
        .env_remove("CHARTDESK_KEY")
        .env_remove("CHARTDESK_KEY_FILE")
        .env_remove("CHARTDESK_NEW_KEY")
        .env("CHARTDESK_SESSION_DIR", dir.join("sessions"));
    c
}

fn key_file(dir: &Path, name: &str, key: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{key}\n")).expect("write key");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    p
}

fn header(db: &Path) -> Vec<u8> {
    let mut h = vec![0u8; 16];
    std::fs::File::open(db)
        .and_then(|mut f| f.read_exact(&mut h))
        .expect("header");
    h
}

fn one_line(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr).into_owned();
    assert_eq!(s.trim_end().lines().count(), 1, "not one line: {s:?}");
    assert!(!s.contains("file is not a database"), "{s}");
    s
}

#[test]
fn aud_05_encrypted_database_opens_only_with_its_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("e.db");
    let key = key_file(dir.path(), "key", RAW_KEY);
    cd(&db, dir.path())
        .arg("--key-file")
        .arg(&key)
        .arg("init")
        .assert()
        .success();
    assert_ne!(
        header(&db),
        b"SQLite format 3\0",
        "the file is plain SQLite"
    );
    // The patient data is not on disk in the clear.
    cd(&db, dir.path())
        .arg("--key-file")
        .arg(&key)
        .args(["gen", "--encounters", "20", "--seed", "3"])
        .assert()
        .success();
    let bytes = std::fs::read(&db).expect("read");
    assert!(
        !bytes.windows(12).any(|w| w == b"chartdesk_me"),
        "schema text in the clear"
    );
    // No key: one line naming the way to give it.
    let out = cd(&db, dir.path())
        .args(["user", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line(&out.stderr).contains("CHARTDESK_KEY"));
    // A wrong key: one line, at once.
    let wrong = key_file(dir.path(), "wrong", &"ff".repeat(32));
    let out = cd(&db, dir.path())
        .arg("--key-file")
        .arg(&wrong)
        .args(["user", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line(&out.stderr).contains("wrong encryption key"));
    let out = cd(&db, dir.path())
        .env("CHARTDESK_KEY", "a passphrase that is wrong")
        .args(["audit", "verify"])
        .output()
        .expect("run");
    assert!(one_line(&out.stderr).contains("wrong encryption key"));
    // A key file others can read is refused.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    cd(&db, dir.path())
        .arg("--key-file")
        .arg(&key)
        .args(["audit", "verify"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("chmod 600"));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    // The right key, from the file or the environment.
    cd(&db, dir.path())
        .arg("--key-file")
        .arg(&key)
        .args(["audit", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("audit chain OK"))
        .stderr(predicate::str::is_empty());
    cd(&db, dir.path())
        .env("CHARTDESK_KEY", RAW_KEY)
        .arg("doctor")
        .assert()
        .stdout(predicate::str::contains("database is encrypted at rest"));
}

#[test]
fn aud_05_rekey_encrypts_a_plain_database_and_changes_its_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("r.db");
    drop(common::seeded(&db));
    assert_eq!(header(&db), b"SQLite format 3\0");
    cd(&db, dir.path())
        .env("CHARTDESK_NEW_KEY", "first passphrase")
        .arg("rekey")
        .assert()
        .success()
        .stdout(predicate::str::contains("encrypted under the new key"));
    assert_ne!(header(&db), b"SQLite format 3\0");
    assert_eq!(
        std::fs::metadata(&db).expect("db").permissions().mode() & 0o777,
        0o600
    );
    cd(&db, dir.path())
        .env("CHARTDESK_KEY", "first passphrase")
        .env("CHARTDESK_NEW_KEY", RAW_KEY)
        .arg("rekey")
        .assert()
        .success()
        .stdout(predicate::str::contains("re-encrypted"));
    let out = cd(&db, dir.path())
        .env("CHARTDESK_KEY", "first passphrase")
        .args(["user", "list"])
        .output()
        .expect("run");
    assert!(one_line(&out.stderr).contains("wrong encryption key"));
    cd(&db, dir.path())
        .env("CHARTDESK_KEY", RAW_KEY)
        .args(["user", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rita"));
    // The chain (with the rekey rows) still verifies.
    cd(&db, dir.path())
        .env("CHARTDESK_KEY", RAW_KEY)
        .args(["audit", "verify"])
        .assert()
        .success();
}

#[test]
fn aud_05_release_packet_zip_is_aes256_when_the_setting_says_so() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("p.db");
    drop(common::seeded(&db));
    cd(&db, dir.path())
        .args(["settings", "set", "release_zip_encryption", "AES256"])
        .assert()
        .success();
    cd(&db, dir.path())
        .args(["--password-stdin", "login", "rita"])
        .write_stdin("password-rita\n")
        .assert()
        .success();
    for args in [
        vec![
            "roi",
            "log",
            "MRN0000001",
            "--type",
            "self",
            "--name",
            "Ana Rivera",
        ],
        vec!["roi", "verify", "1", "--method", "photo ID"],
        vec!["roi", "validate", "1"],
        vec!["roi", "submit", "1"],
    ] {
        cd(&db, dir.path()).args(&args).assert().success();
    }
    cd(&db, dir.path())
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
    let out_dir = dir.path().join("packets");
    let out = cd(&db, dir.path())
        .arg("release")
        .arg("1")
        .arg("--out")
        .arg(&out_dir)
        .output()
        .expect("release");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pass = stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix(
                "zip passphrase (AES-256; give it to the recipient by another channel): ",
            )
        })
        .expect("passphrase shown")
        .to_string();
    let bytes = std::fs::read(out_dir.join("REQ-000001.zip")).expect("zip");
    assert!(
        !bytes.windows(6).any(|w| w == b"Rivera"),
        "plaintext in the zip"
    );
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    let mut manifest = String::new();
    z.by_name_decrypt("REQ-000001/manifest.json", pass.as_bytes())
        .expect("decrypt")
        .read_to_string(&mut manifest)
        .expect("read");
    assert!(manifest.contains("REQ-000001"), "{manifest}");
    assert!(z.by_name_decrypt("manifest.json", b"not-it").is_err());
    // The passphrase is not stored anywhere in the database.
    let store = chartdesk::store::Store::open(&db).expect("open");
    let hits: i64 = store
        .conn()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE detail LIKE '%' || ?1 || '%'",
            [&pass],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(hits, 0);
}
