//! Standard output for every command, safe on a broken pipe and a full disk.
//!
//! Every `print!` / `println!` in this crate goes through [`print`] (the crate root shadows the
//! std macros, see `lib.rs`), so no command can panic while printing (std's macros panic on a
//! write error and the process exits 101).
//!
//! Invariants:
//! - The first write error is kept; later output is dropped (a command that already committed
//!   its change finishes it, it only stops talking).
//! - [`finish`] flushes and reports the kept error: a closed reader (`EPIPE`, e.g. `| head -1`)
//!   is [`Failure::ClosedPipe`], a quiet exit; any other error (`ENOSPC` on `/dev/full`) is
//!   [`Failure::Write`], reported as one clear line on standard error.

use std::io::Write;
use std::sync::Mutex;

/// The first write error on standard output, if any.
static FAILED: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Write formatted text to standard output; never panics. After a failure, output is dropped.
pub fn print(args: std::fmt::Arguments<'_>) {
    if cfg!(test) {
        // Unit tests: keep the test harness's output capture.
        std::print!("{args}");
        return;
    }
    let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
    if failed.is_some() {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        *failed = Some(e);
    }
}

/// How standard output ended, when it did not end well.
#[derive(Debug)]
pub enum Failure {
    /// The reader went away (`EPIPE`): exit quietly, like a process killed by SIGPIPE.
    ClosedPipe,
    /// Any other write error: say so.
    Write(std::io::Error),
}

impl Failure {
    /// Exit status for this failure: 141 (128 + SIGPIPE, what a shell reports for a writer
    /// whose reader left) for a closed pipe, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::ClosedPipe => 141,
            Failure::Write(_) => 1,
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::ClosedPipe => write!(f, "standard output was closed"),
            Failure::Write(e) => write!(f, "writing to standard output failed: {e}"),
        }
    }
}

/// Classify an I/O error met while writing to standard output.
pub fn classify(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::ClosedPipe
    } else {
        Failure::Write(e)
    }
}

/// Flush standard output and return the first failure of this process's output, if any.
pub fn finish() -> Option<Failure> {
    let mut failed = FAILED.lock().unwrap_or_else(|p| p.into_inner());
    if failed.is_none()
        && let Err(e) = std::io::stdout().lock().flush()
    {
        *failed = Some(e);
    }
    failed.take().map(classify)
}

/// Whether an error chain ends in a closed pipe (a command that streamed to standard output
/// itself, e.g. an export through a `BufWriter`): then the exit is quiet. Other write errors
/// keep their own message, which names the file or stream.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
