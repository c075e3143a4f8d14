//! `init` is atomic: a failed or killed init leaves nothing at the path (no stub that later
//! reads as "not a chartdesk database", no 20 MB WAL), and the next init just works (#17).

use std::path::Path;
use std::process::{Command, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_chartdesk")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn init(db: &Path) -> std::process::Output {
    Command::new(bin())
        .arg("--db")
        .arg(db)
        .arg("init")
        .env_remove("CHARTDESK_DB")
        .output()
        .expect("run")
}

#[test]
fn init_that_runs_out_of_space_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    // A 2 MB file-size limit (the code sets need far more), with SIGXFSZ ignored so writes
    // fail with EFBIG as on a full disk instead of killing the process.
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4096; exec \"$0\" --db \"$1\" init")
        .arg(bin())
        .arg(&db)
        .env_remove("CHARTDESK_DB")
        .stdout(Stdio::null())
        .output()
        .expect("sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("chartdesk: error: creating"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        files_in(dir.path()),
        Vec::<String>::new(),
        "nothing left behind"
    );
    // Space returns: init works.
    let out = init(&db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files_in(dir.path()), vec!["site.db".to_string()]);
    let out = init(&db);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("is a chartdesk database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_killed_init_leaves_no_stub_and_the_next_init_cleans_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("site.db");
    for delay_ms in [30, 150, 400] {
        let mut child = Command::new(bin())
            .arg("--db")
            .arg(&db)
            .arg("init")
            .env_remove("CHARTDESK_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if db.exists() {
            // It finished before the kill: then it is complete.
            let out = init(&db);
            assert!(out.status.success());
            std::fs::remove_file(&db).expect("rm");
            continue;
        }
        // Only hidden temporary files may remain, never a file at the path.
        assert!(
            files_in(dir.path())
                .iter()
                .all(|f| f.starts_with(".site.db.init-")),
            "{:?}",
            files_in(dir.path())
        );
        let out = init(&db);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            files_in(dir.path()),
            vec!["site.db".to_string()],
            "temp files of the killed init removed"
        );
        std::fs::remove_file(&db).expect("rm");
    }
}
