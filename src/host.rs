//! The host operating system as chartdesk trusts it (AUD-10): who is running (from the kernel,
//! never from `$USER`), on which terminal, and the modes PHI files are created with.
//!
//! Invariants:
//! - The OS identity is `getuid()` resolved through the password database (`getpwuid_r`);
//!   environment variables are never consulted, so a caller cannot choose the audited name.
//! - PHI files (database, WAL, SHM, anchors, release packets) are created owner-only (0600,
//!   folders 0700), or group-shared (0660, folders 2770) when they live in a folder carrying the
//!   set-group-id bit (the service-group install of `chartdesk install-server`). Modes are set
//!   explicitly after creation, so the umask never widens or narrows them. Nothing is ever
//!   world-accessible.

use std::ffi::CStr;
use std::fs::{File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The operating-system account running this process, as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OsUser {
    pub uid: u32,
    /// The name from the password database, or `uid<N>` when the uid has no entry.
    pub name: String,
}

/// The real uid of this process and its name (kernel + password database, not the environment).
pub fn current_user() -> OsUser {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    OsUser {
        uid,
        name: user_name(uid),
    }
}

/// The password-database name of `uid`, or `uid<N>`.
pub fn user_name(uid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: all-zero is a valid `passwd` (null pointers, zero ids); getpwuid_r only writes it.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer refers to live storage of the stated size for the whole call.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc == 0 && !result.is_null() && !pwd.pw_name.is_null() {
        // SAFETY: on success pw_name points into `buf`, NUL-terminated.
        let name = unsafe { CStr::from_ptr(pwd.pw_name) };
        return name.to_string_lossy().into_owned();
    }
    format!("uid{uid}")
}

/// The uid of a name in the password database.
pub fn uid_of(name: &str) -> Option<u32> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: as in `user_name`.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: as in `user_name`.
    let rc = unsafe {
        libc::getpwnam_r(
            cname.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    (rc == 0 && !result.is_null()).then_some(pwd.pw_uid)
}

/// The gid of a group name.
pub fn gid_of(name: &str) -> Option<u32> {
    let cname = std::ffi::CString::new(name).ok()?;
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: all-zero is a valid `group`; getgrnam_r only writes it.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer refers to live storage of the stated size for the whole call.
    let rc = unsafe {
        libc::getgrnam_r(
            cname.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    (rc == 0 && !result.is_null()).then_some(grp.gr_gid)
}

/// The name of a gid, or `gid<N>`.
pub fn group_name(gid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: as in `gid_of`.
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: as in `gid_of`.
    let rc = unsafe { libc::getgrgid_r(gid, &mut grp, buf.as_mut_ptr(), buf.len(), &mut result) };
    if rc == 0 && !result.is_null() && !grp.gr_name.is_null() {
        // SAFETY: on success gr_name points into `buf`, NUL-terminated.
        return unsafe { CStr::from_ptr(grp.gr_name) }
            .to_string_lossy()
            .into_owned();
    }
    format!("gid{gid}")
}

/// The controlling terminal as the kernel names it (`/dev/pts/3`), from the first of standard
/// input, output and error that is a terminal; `None` when none is (scripts, cron).
pub fn tty() -> Option<String> {
    for fd in 0..3 {
        let mut buf = [0 as libc::c_char; 256];
        // SAFETY: buf is writable for its length; ttyname_r NUL-terminates on success.
        let rc = unsafe { libc::ttyname_r(fd, buf.as_mut_ptr(), buf.len()) };
        if rc == 0 {
            // SAFETY: success means a NUL-terminated string in buf.
            let s = unsafe { CStr::from_ptr(buf.as_ptr()) };
            return Some(s.to_string_lossy().into_owned());
        }
    }
    None
}

/// The kernel session id of this process (the login shell's, inherited by every command run
/// from it): binds a CLI session to one login even without a terminal.
pub fn session_id() -> i64 {
    // SAFETY: getsid(0) has no preconditions.
    i64::from(unsafe { libc::getsid(0) })
}

/// Owner uid of a file.
pub fn owner_uid(path: &Path) -> std::io::Result<u32> {
    Ok(std::fs::metadata(path)?.uid())
}

/// True when the running OS account may perform administrative ("system") actions on the
/// database at `db`: it owns the file (or, for a file not created yet, its folder), or it is
/// root, who can read and write the file whatever chartdesk does.
pub fn is_database_owner(db: &Path) -> bool {
    let me = current_user().uid;
    if me == 0 {
        return true;
    }
    let target = if db.exists() {
        db.to_path_buf()
    } else {
        match db.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(p) if p.exists() => p.to_path_buf(),
            Some(_) => return true, // a new folder will be created by this user
            None => Path::new(".").to_path_buf(),
        }
    };
    owner_uid(&target).is_ok_and(|uid| uid == me)
}

/// The modes for PHI created in `folder`: `(file, folder)`. Group-shared when the folder
/// carries the set-group-id bit (service-group install), else owner-only.
pub fn phi_modes(folder: &Path) -> (u32, u32) {
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let sgid = std::fs::metadata(folder).is_ok_and(|m| m.mode() & 0o2000 != 0);
    if sgid {
        (0o660, 0o2770)
    } else {
        (0o600, 0o700)
    }
}

/// Set exactly `mode` (not filtered by the umask).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, Permissions::from_mode(mode))
}

/// Create a new file (failing if it exists) with the PHI mode for its folder.
pub fn create_private_file(path: &Path) -> std::io::Result<File> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let (mode, _) = phi_modes(folder);
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    f.set_permissions(Permissions::from_mode(mode))?;
    Ok(f)
}

/// Write a new file (never overwriting) with the PHI mode for its folder, and fsync it.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = create_private_file(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Open a file for appending, creating it with the PHI mode when missing.
pub fn append_private(path: &Path) -> std::io::Result<File> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let (mode, _) = phi_modes(folder);
    let existed = path.exists();
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(mode)
        .open(path)?;
    if !existed {
        f.set_permissions(Permissions::from_mode(mode))?;
    }
    Ok(f)
}

/// Create one folder (failing if it exists) with the PHI folder mode of its parent.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let (_, mode) = phi_modes(parent);
    std::fs::create_dir(dir)?;
    set_mode(dir, mode)
}

/// Create a folder and its missing parents; every folder created gets the PHI folder mode of
/// its own parent (existing folders are left as they are).
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_private_dir_all(parent)?;
    }
    match create_private_dir(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        other => other,
    }
}

/// Refuse to create or write `path` unless the real user could do so without chartdesk: under
/// a set-group-id install chartdesk holds the service group, and an output path (`--out`) must
/// not let a user write where only that group may (over the database, say). `access(2)` checks
/// with the real uid and gid, which is exactly this question.
pub fn check_user_may_write(path: &Path) -> std::io::Result<()> {
    let target = if path.exists() {
        path.to_path_buf()
    } else {
        match path.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(p) => p.to_path_buf(),
            None => Path::new(".").to_path_buf(),
        }
    };
    let c = std::ffi::CString::new(target.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::other(format!("{}: NUL in path", target.display())))?;
    // SAFETY: c is a valid NUL-terminated path for the duration of the call.
    let rc = unsafe { libc::access(c.as_ptr(), libc::W_OK) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{}: you may not write there yourself, so chartdesk will not write there for you (AUD-10)",
                target.display()
            ),
        ))
    }
}

/// Refuse to read `path` for the user unless the real user may read it (see
/// [`check_user_may_write`]): under a set-group-id install an input file must not be one only
/// the service group can read.
pub fn check_user_may_read(path: &Path) -> std::io::Result<()> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::other(format!("{}: NUL in path", path.display())))?;
    // SAFETY: c is a valid NUL-terminated path for the duration of the call.
    if unsafe { libc::access(c.as_ptr(), libc::R_OK) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{}: you may not read it yourself, so chartdesk will not read it for you (AUD-10)",
                path.display()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aud_10_os_identity_is_the_kernel_uid() {
        // (That `$USER` is ignored is tested on the binary in tests/security.rs: changing the
        // environment inside this multi-threaded test process would not be sound.)
        let me = current_user();
        // SAFETY: getuid cannot fail.
        assert_eq!(me.uid, unsafe { libc::getuid() });
        assert_eq!(uid_of(&me.name), Some(me.uid));
    }

    #[test]
    fn aud_10_private_files_ignore_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: umask only changes this process's file creation mask.
        let old = unsafe { libc::umask(0o000) };
        let f = dir.path().join("a");
        write_private(&f, b"x").unwrap();
        let d = dir.path().join("p/q");
        create_private_dir_all(&d).unwrap();
        unsafe { libc::umask(old) };
        assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o7777, 0o600);
        assert_eq!(std::fs::metadata(&d).unwrap().mode() & 0o7777, 0o700);
        assert_eq!(
            std::fs::metadata(dir.path().join("p")).unwrap().mode() & 0o7777,
            0o700
        );
    }
}
