//! chartdesk: a terminal workstation for hospital Health Information Management.
//!
//! Rooms: [`store`] (connection, migrations, the one write path), [`audit`] (the hash chain),
//! [`domain`] (plain types), [`accounts`] (users, roles, login), [`settings`], [`chart`]
//! (patient search and chart reads), [`demo`] (the deterministic generator), [`cli`], [`tui`].

// Every `print!` / `println!` below goes through `output::print`: a closed pipe or a full disk
// ends the command with a clear exit instead of std's panic (exit 101). Defined before the
// modules so they all see these instead of the std macros.
macro_rules! print {
    ($($arg:tt)*) => { $crate::output::print(format_args!($($arg)*)) };
}
macro_rules! println {
    () => { $crate::output::print(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::print(format_args!("{}\n", format_args!($($arg)*))) };
}

pub mod accounts;
pub mod audit;
pub mod backup;
pub mod bench;
pub mod bench_claims;
pub mod bench_crypt;
pub mod bench_dashboard;
pub mod bench_hl7;
pub mod bench_lock;
pub mod bench_pdf;
pub mod bench_queue;
pub mod break_glass;
pub mod chart;
pub mod cli;
pub mod clock;
pub mod codes;
pub mod coding;
pub mod csv_out;
pub mod deficiency;
pub mod demo;
pub mod domain;
pub mod error;
pub mod host;
pub mod import;
pub mod letters;
pub mod limits;
pub mod listen;
pub mod mpi;
pub mod output;
pub mod pdf;
pub mod privacy;
pub mod report;
pub mod report_cli;
pub mod report_table;
pub mod roi;
pub mod selftest;
pub mod settings;
pub mod staff;
pub mod store;
pub mod text;
pub mod tui;

pub use error::CoreError;
