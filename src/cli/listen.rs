//! `chartdesk listen hl7`: run the MLLP listener (`crate::listen`) until SIGTERM.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Subcommand;

use crate::listen::{Status, StatusFormat};
use crate::store::Store;

#[derive(Subcommand, Debug)]
pub enum ListenCmd {
    /// Take a live HL7 v2 feed over MLLP: each message is applied like `import hl7` and
    /// acknowledged (MSA|AA) only once committed; bad messages get AE/AR with an ERR segment;
    /// a control id seen before is re-acknowledged, not re-applied. SIGTERM finishes the
    /// messages in flight and stops.
    Hl7 {
        /// Address and port to listen on (any address the site chooses)
        #[arg(long, default_value = "127.0.0.1:2575")]
        bind: String,
        /// Status as JSON lines on standard output (messages/s, queue depth, last error)
        /// instead of a status line on standard error
        #[arg(long)]
        log: bool,
    },
}

pub fn run(db: &Path, cmd: ListenCmd) -> Result<ExitCode> {
    let ListenCmd::Hl7 { bind, log } = cmd;
    let actor = super::session::system(db, "listen")?;
    let store = Store::open(db)?;
    let stop = crate::listen::stop_on_signals();
    let format = if log {
        StatusFormat::Json
    } else {
        StatusFormat::Line
    };
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut report = move |s: &Status| match format {
        StatusFormat::Json => println!("{}", s.json()),
        StatusFormat::Line => {
            // A rewritten line on a terminal; one line per ten seconds (and the last) in a log.
            let last = s.state != "running";
            if tty {
                let _ = write!(std::io::stderr(), "\r{}\x1b[K", s.line());
                if last {
                    let _ = writeln!(std::io::stderr());
                }
            } else if last || (s.uptime_s as u64).is_multiple_of(10) {
                let _ = writeln!(std::io::stderr(), "{}", s.line());
            }
        }
    };
    crate::listen::listen(
        store,
        &actor,
        &bind,
        stop,
        |a| {
            // The first line says where we listen (scripts and tests read it).
            println!("listening on {a} (MLLP, HL7 v2)");
        },
        &mut report,
    )?;
    Ok(ExitCode::SUCCESS)
}
