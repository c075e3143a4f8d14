//! Power loss: a VFS shim over SQLite's default (unix) VFS that counts writes and syncs, and at
//! operation N "cuts the power": every write not yet made durable by a sync of its file is
//! undone (dropped), or, on odd N, the last one is torn (its first 512 bytes kept), and the
//! process exits at once (code 77) without closing anything. Under `synchronous=FULL` every
//! acknowledged commit must survive; a `synchronous=NORMAL` run must lose one (the negative
//! control: the shim really does drop unsynced writes).
//!
//! The shim is installed only in `chartdesk selftest-child --crash-at N`, as the process's
//! default VFS, before any connection is opened. All unsafe code of chartdesk is in this file.

use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, c_void};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicPtr, Ordering};

use rusqlite::ffi;

use super::{SelftestError, SelftestOptions, Verdict, consistency, setup_probe};

/// Exit code of a child whose power was cut.
pub const CRASH_EXIT: i32 = 77;

/// One write not yet made durable: what was there before, to put back at the crash.
struct Pending {
    file: usize,
    offset: i64,
    old: Vec<u8>,
    new_len: usize,
    old_size: i64,
}

struct State {
    ops: u64,
    crash_at: u64,
    tear: bool,
    /// Instead of cutting the power at `crash_at`, fail that one operation with an I/O error.
    fail_only: bool,
    pending: Vec<Pending>,
}

static STATE: Mutex<State> = Mutex::new(State {
    ops: 0,
    crash_at: u64::MAX,
    tear: false,
    fail_only: false,
    pending: Vec::new(),
});

/// Our file object: SQLite's header, then the real (unix) file in the same allocation.
#[repr(C)]
struct ShimFile {
    base: ffi::sqlite3_file,
    real: *mut ffi::sqlite3_file,
}

/// The default VFS the shim wraps (set once in `install`, before any connection exists).
static REAL_VFS: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(std::ptr::null_mut());

fn real_vfs() -> *mut ffi::sqlite3_vfs {
    REAL_VFS.load(Ordering::Acquire)
}

unsafe fn real(f: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    // SAFETY: every file SQLite hands us was opened by `shim_open`, so it is a ShimFile.
    unsafe { (*(f as *mut ShimFile)).real }
}

unsafe fn methods(f: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    // SAFETY: the real file was opened successfully, so its methods are set and static.
    unsafe { &*(*real(f)).pMethods }
}

/// Count one write or sync; at the crash operation undo what was not durable and exit (or,
/// in fail-only mode, return true: that one operation fails with an I/O error).
fn tick() -> bool {
    let mut st = match STATE.lock() {
        Ok(s) => s,
        Err(p) => p.into_inner(),
    };
    st.ops += 1;
    if st.ops != st.crash_at {
        return false;
    }
    if st.fail_only {
        return true;
    }
    let tear = st.tear;
    let pending = std::mem::take(&mut st.pending);
    for (i, p) in pending.iter().rev().enumerate() {
        let file = p.file as *mut ffi::sqlite3_file;
        // SAFETY: `file` is a real file still open (entries are removed on close).
        unsafe {
            let m = &*(*file).pMethods;
            let keep = if tear && i == 0 {
                512.min(p.new_len)
            } else {
                0
            };
            if p.old.len() > keep
                && let Some(w) = m.xWrite
            {
                w(
                    file,
                    p.old[keep..].as_ptr() as *const c_void,
                    (p.old.len() - keep) as c_int,
                    p.offset + keep as i64,
                );
            }
            let mut size: i64 = 0;
            if let Some(fs) = m.xFileSize {
                fs(file, &mut size);
            }
            let floor = p.old_size.max(p.offset + keep as i64);
            if size > floor
                && let Some(t) = m.xTruncate
            {
                t(file, floor);
            }
        }
    }
    // The power is gone: nothing else runs, nothing is closed or flushed.
    std::process::exit(CRASH_EXIT);
}

unsafe extern "C" fn shim_close(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        let r = real(f) as usize;
        if let Ok(mut st) = STATE.lock() {
            st.pending.retain(|p| p.file != r);
        }
        match methods(f).xClose {
            Some(c) => c(real(f)),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn shim_read(
    f: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amt: c_int,
    off: i64,
) -> c_int {
    unsafe {
        match methods(f).xRead {
            Some(x) => x(real(f), buf, amt, off),
            None => ffi::SQLITE_IOERR_READ,
        }
    }
}

unsafe extern "C" fn shim_write(
    f: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amt: c_int,
    off: i64,
) -> c_int {
    if tick() {
        return ffi::SQLITE_IOERR_WRITE;
    }
    unsafe {
        let r = real(f);
        let m = methods(f);
        let mut size: i64 = 0;
        if let Some(fs) = m.xFileSize {
            fs(r, &mut size);
        }
        let keep = (size - off).clamp(0, i64::from(amt)) as usize;
        let mut old = vec![0u8; keep];
        if keep > 0
            && let Some(rd) = m.xRead
        {
            rd(r, old.as_mut_ptr() as *mut c_void, keep as c_int, off);
        }
        if let Ok(mut st) = STATE.lock() {
            st.pending.push(Pending {
                file: r as usize,
                offset: off,
                old,
                new_len: amt.max(0) as usize,
                old_size: size,
            });
        }
        match m.xWrite {
            Some(w) => w(r, buf, amt, off),
            None => ffi::SQLITE_IOERR_WRITE,
        }
    }
}

unsafe extern "C" fn shim_truncate(f: *mut ffi::sqlite3_file, size: i64) -> c_int {
    unsafe {
        let r = real(f) as usize;
        if let Ok(mut st) = STATE.lock() {
            st.pending.retain(|p| p.file != r || p.offset < size);
        }
        match methods(f).xTruncate {
            Some(t) => t(real(f), size),
            None => ffi::SQLITE_IOERR_TRUNCATE,
        }
    }
}

unsafe extern "C" fn shim_sync(f: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    if tick() {
        return ffi::SQLITE_IOERR_FSYNC;
    }
    unsafe {
        let rc = match methods(f).xSync {
            Some(s) => s(real(f), flags),
            None => ffi::SQLITE_IOERR_FSYNC,
        };
        if rc == ffi::SQLITE_OK {
            let r = real(f) as usize;
            if let Ok(mut st) = STATE.lock() {
                st.pending.retain(|p| p.file != r);
            }
        }
        rc
    }
}

unsafe extern "C" fn shim_file_size(f: *mut ffi::sqlite3_file, out: *mut i64) -> c_int {
    unsafe {
        match methods(f).xFileSize {
            Some(x) => x(real(f), out),
            None => ffi::SQLITE_IOERR_FSTAT,
        }
    }
}

unsafe extern "C" fn shim_lock(f: *mut ffi::sqlite3_file, l: c_int) -> c_int {
    unsafe {
        match methods(f).xLock {
            Some(x) => x(real(f), l),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn shim_unlock(f: *mut ffi::sqlite3_file, l: c_int) -> c_int {
    unsafe {
        match methods(f).xUnlock {
            Some(x) => x(real(f), l),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn shim_check_reserved(f: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    unsafe {
        match methods(f).xCheckReservedLock {
            Some(x) => x(real(f), out),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn shim_file_control(
    f: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    unsafe {
        match methods(f).xFileControl {
            Some(x) => x(real(f), op, arg),
            None => ffi::SQLITE_NOTFOUND,
        }
    }
}

unsafe extern "C" fn shim_sector_size(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        match methods(f).xSectorSize {
            Some(x) => x(real(f)),
            None => 4096,
        }
    }
}

unsafe extern "C" fn shim_device(f: *mut ffi::sqlite3_file) -> c_int {
    unsafe {
        match methods(f).xDeviceCharacteristics {
            Some(x) => x(real(f)),
            None => 0,
        }
    }
}

unsafe extern "C" fn shim_shm_map(
    f: *mut ffi::sqlite3_file,
    pg: c_int,
    sz: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    unsafe {
        match methods(f).xShmMap {
            Some(x) => x(real(f), pg, sz, extend, out),
            None => ffi::SQLITE_IOERR_SHMMAP,
        }
    }
}

unsafe extern "C" fn shim_shm_lock(
    f: *mut ffi::sqlite3_file,
    off: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    unsafe {
        match methods(f).xShmLock {
            Some(x) => x(real(f), off, n, flags),
            None => ffi::SQLITE_IOERR_SHMLOCK,
        }
    }
}

unsafe extern "C" fn shim_shm_barrier(f: *mut ffi::sqlite3_file) {
    unsafe {
        if let Some(x) = methods(f).xShmBarrier {
            x(real(f));
        }
    }
}

unsafe extern "C" fn shim_shm_unmap(f: *mut ffi::sqlite3_file, del: c_int) -> c_int {
    unsafe {
        match methods(f).xShmUnmap {
            Some(x) => x(real(f), del),
            None => ffi::SQLITE_OK,
        }
    }
}

unsafe extern "C" fn shim_fetch(
    f: *mut ffi::sqlite3_file,
    off: i64,
    amt: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // No memory-mapped reads: every page goes through xRead, so nothing bypasses the shim.
    let _ = (f, off, amt);
    unsafe {
        *out = std::ptr::null_mut();
    }
    ffi::SQLITE_OK
}

unsafe extern "C" fn shim_unfetch(f: *mut ffi::sqlite3_file, off: i64, p: *mut c_void) -> c_int {
    let _ = (f, off, p);
    ffi::SQLITE_OK
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(shim_close),
    xRead: Some(shim_read),
    xWrite: Some(shim_write),
    xTruncate: Some(shim_truncate),
    xSync: Some(shim_sync),
    xFileSize: Some(shim_file_size),
    xLock: Some(shim_lock),
    xUnlock: Some(shim_unlock),
    xCheckReservedLock: Some(shim_check_reserved),
    xFileControl: Some(shim_file_control),
    xSectorSize: Some(shim_sector_size),
    xDeviceCharacteristics: Some(shim_device),
    xShmMap: Some(shim_shm_map),
    xShmLock: Some(shim_shm_lock),
    xShmBarrier: Some(shim_shm_barrier),
    xShmUnmap: Some(shim_shm_unmap),
    xFetch: Some(shim_fetch),
    xUnfetch: Some(shim_unfetch),
};

unsafe extern "C" fn shim_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    unsafe {
        let shim = file as *mut ShimFile;
        let real_file =
            (file as *mut u8).add(std::mem::size_of::<ShimFile>()) as *mut ffi::sqlite3_file;
        (*shim).real = real_file;
        (*file).pMethods = std::ptr::null();
        let rv = real_vfs();
        let rc = match (*rv).xOpen {
            Some(o) => o(rv, name, real_file, flags, out_flags),
            None => ffi::SQLITE_CANTOPEN,
        };
        if rc == ffi::SQLITE_OK && !(*real_file).pMethods.is_null() {
            (*file).pMethods = &METHODS;
        }
        rc
    }
}

unsafe extern "C" fn shim_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    unsafe {
        let rv = real_vfs();
        match (*rv).xDelete {
            Some(d) => d(rv, name, sync_dir),
            None => ffi::SQLITE_IOERR_DELETE,
        }
    }
}

unsafe extern "C" fn shim_access(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    flags: c_int,
    out: *mut c_int,
) -> c_int {
    unsafe {
        let rv = real_vfs();
        match (*rv).xAccess {
            Some(a) => a(rv, name, flags, out),
            None => ffi::SQLITE_IOERR_ACCESS,
        }
    }
}

unsafe extern "C" fn shim_full_pathname(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    n: c_int,
    out: *mut c_char,
) -> c_int {
    unsafe {
        let rv = real_vfs();
        match (*rv).xFullPathname {
            Some(p) => p(rv, name, n, out),
            None => ffi::SQLITE_CANTOPEN,
        }
    }
}

/// Install the shim as the default VFS, to cut the power at write/sync number `crash_at`
/// (tearing the last unsynced write when `tear`). Call before opening any connection.
/// With `fail_only`, operation `crash_at` fails with an I/O error instead (and the process
/// goes on).
pub fn install(crash_at: u64, tear: bool, fail_only: bool) -> Result<(), SelftestError> {
    if let Ok(mut st) = STATE.lock() {
        st.crash_at = crash_at.max(1);
        st.tear = tear;
        st.fail_only = fail_only;
    }
    // SAFETY: sqlite3_vfs_find/register are thread-safe; the new VFS is leaked (it must live as
    // long as the process) and copies the default VFS's fields, overriding open and the calls
    // that take the VFS pointer.
    unsafe {
        let rv = ffi::sqlite3_vfs_find(std::ptr::null());
        if rv.is_null() {
            return Err(SelftestError::Other("no default SQLite VFS".into()));
        }
        REAL_VFS.store(rv, Ordering::Release);
        let mut vfs: ffi::sqlite3_vfs = std::ptr::read(rv);
        vfs.zName = c"chartdesk-powerloss".as_ptr();
        vfs.pNext = std::ptr::null_mut();
        vfs.pAppData = std::ptr::null_mut();
        vfs.szOsFile = (*rv).szOsFile + std::mem::size_of::<ShimFile>() as c_int;
        vfs.xOpen = Some(shim_open);
        vfs.xDelete = Some(shim_delete);
        vfs.xAccess = Some(shim_access);
        vfs.xFullPathname = Some(shim_full_pathname);
        let leaked = Box::leak(Box::new(vfs));
        let rc = ffi::sqlite3_vfs_register(leaked, 1);
        if rc != ffi::SQLITE_OK {
            return Err(SelftestError::Other(format!(
                "registering the power-loss VFS failed ({rc})"
            )));
        }
    }
    Ok(())
}

/// One crash run: a child doing probe actions until the power is cut at op `n`.
/// Returns (acknowledged ids, crashed?).
fn crash_run(
    opts: &SelftestOptions,
    db: &Path,
    n: u64,
    normal: bool,
    start: i64,
) -> Result<(Vec<i64>, bool), SelftestError> {
    let mut cmd = Command::new(&opts.exe);
    cmd.arg("--db")
        .arg(db)
        .arg("selftest-child")
        .arg("--start")
        .arg(start.to_string())
        .arg("--count")
        .arg("100000")
        .arg("--crash-at")
        .arg(n.to_string());
    if normal {
        cmd.arg("--normal");
    }
    let out = cmd
        .env_remove("CHARTDESK_DB")
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let crashed = out.status.code() == Some(CRASH_EXIT);
    if !crashed && !out.status.success() {
        return Err(SelftestError::Other(format!(
            "crash child at op {n} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let acked = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("ACK ").and_then(|s| s.trim().parse().ok()))
        .collect();
    Ok((acked, crashed))
}

/// Crash at op 1, 2, 3, … on fresh copies of one scratch database; FULL must lose nothing that
/// was acknowledged, NORMAL must lose something.
pub(super) fn run(opts: &SelftestOptions, dir: &Path) -> Result<(Verdict, String), SelftestError> {
    let template = dir.join("template.db");
    {
        let mut s = setup_probe(&template)?;
        super::probe_action(&mut s, 1, "before")?;
    }
    let max_n: u64 = if opts.long { 400 } else { 60 };
    let mut results: [(usize, usize, usize, Vec<String>); 2] = Default::default();
    for (k, normal) in [false, true].into_iter().enumerate() {
        for n in 1..=max_n {
            let db = dir.join(format!("crash-{k}-{n}.db"));
            std::fs::copy(&template, &db)?;
            let (acked, crashed) = crash_run(opts, &db, n, normal, 1000)?;
            if !crashed {
                continue;
            }
            let (rows, problems): (BTreeSet<i64>, Vec<String>) = if normal {
                // The control writes no audit rows: check only the file and the rows.
                let ro = crate::store::open_read_only(&db)?;
                let ok: String = ro
                    .conn
                    .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
                let rows = ro
                    .conn
                    .prepare("SELECT id FROM selftest_probe")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                (
                    rows,
                    if ok == "ok" {
                        Vec::new()
                    } else {
                        vec![format!("integrity_check: {ok}")]
                    },
                )
            } else {
                consistency(&db)?
            };
            let lost = acked.iter().filter(|id| !rows.contains(id)).count();
            let r = &mut results[k];
            r.0 += 1;
            r.1 += acked.len();
            r.2 += lost;
            r.3.extend(problems.into_iter().map(|p| format!("op {n}: {p}")));
            let _ = std::fs::remove_file(&db);
        }
    }
    let (full, normal) = (&results[0], &results[1]);
    let pass = full.0 > 0 && full.2 == 0 && full.3.is_empty() && normal.2 > 0;
    Ok((
        if pass { Verdict::Pass } else { Verdict::Fail },
        format!(
            "FULL: {} power cuts (ops 1..{max_n}, unsynced writes dropped, or torn on odd ops), {} ACKed commits, {} lost, integrity ok and chain verifies after each{}; control NORMAL: {} cuts, {} of {} ACKed commits lost — {}",
            full.0,
            full.1,
            full.2,
            if full.3.is_empty() {
                String::new()
            } else {
                format!(" — {}", full.3.join("; "))
            },
            normal.0,
            normal.2,
            normal.1,
            if normal.2 > 0 {
                "the shim really drops unsynced writes"
            } else {
                "NOTHING lost: the shim proves nothing"
            }
        ),
    ))
}

/// I/O errors: the N-th write or sync fails (N = 1, 2, 3…, fresh copy each time) while a child
/// runs actions and goes on after an error. Returns (runs, failed actions, the first error
/// message, problems).
pub(super) fn io_errors(
    opts: &SelftestOptions,
    dir: &Path,
) -> Result<(usize, usize, String, Vec<String>), SelftestError> {
    let template = dir.join("io-template.db");
    {
        let mut s = setup_probe(&template)?;
        super::probe_action(&mut s, 1, "before")?;
    }
    let max_n: u64 = if opts.long { 200 } else { 30 };
    let (mut runs, mut failed_total) = (0, 0);
    let mut first_message = String::new();
    let mut problems = Vec::new();
    for n in 1..=max_n {
        let db = dir.join(format!("io-{n}.db"));
        std::fs::copy(&template, &db)?;
        let out = Command::new(&opts.exe)
            .arg("--db")
            .arg(&db)
            .args([
                "selftest-child",
                "--start",
                "100",
                "--count",
                "12",
                "--keep-going",
            ])
            .arg("--fail-at")
            .arg(n.to_string())
            .env_remove("CHARTDESK_DB")
            .stdin(Stdio::null())
            .output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let acked: BTreeSet<i64> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ACK ").and_then(|s| s.trim().parse().ok()))
            .collect();
        let failed: Vec<(i64, String)> = text
            .lines()
            .filter_map(|l| l.strip_prefix("ERR "))
            .filter_map(|l| {
                let (id, msg) = l.split_once(' ')?;
                Some((id.parse().ok()?, msg.to_string()))
            })
            .collect();
        runs += 1;
        failed_total += failed.len();
        for (id, msg) in &failed {
            if first_message.is_empty() {
                first_message = msg.clone();
            }
            if acked.contains(id) {
                problems.push(format!("op {n}: action {id} failed and was acknowledged"));
            }
            if !msg.contains("I/O") && !msg.contains("disk") {
                problems.push(format!("op {n}: unclear message \"{msg}\""));
            }
        }
        if acked.len() + failed.len() != 12 {
            problems.push(format!(
                "op {n}: {} ACKs + {} errors of 12 actions (exit {:?})",
                acked.len(),
                failed.len(),
                out.status.code()
            ));
        }
        let (rows, p) = consistency(&db)?;
        problems.extend(p.into_iter().map(|p| format!("op {n}: {p}")));
        let lost = acked.iter().filter(|id| !rows.contains(id)).count();
        if lost > 0 {
            problems.push(format!("op {n}: {lost} acknowledged actions lost"));
        }
        let _ = std::fs::remove_file(&db);
    }
    Ok((runs, failed_total, first_message, problems))
}
