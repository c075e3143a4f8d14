//! Rendering of `chartdesk report …` (table, CSV, JSON). Reading, permission and audit are
//! in [`crate::report`]; this file turns a [`Report`] into text and nothing else: each report
//! states its CSV columns and table columns, and [`crate::report_table`] lays them out (CSV
//! through the one writer, [`crate::csv_out::Table`]). How a new report plugs in: see there.
//!
//! The text of each report is by area: `deficiency`, `revenue` (DNFB, coding), `outcomes`,
//! `staff` (productivity, privacy).

mod deficiency;
mod outcomes;
mod revenue;
mod staff;

use deficiency::{
    data_quality_text, deficiencies_text, delinquency_text, rereview_text, suspension_text,
};
use outcomes::outcomes_text;
use revenue::{coding_text, dnfb_text};
use staff::{privacy_text, productivity_text};

use anyhow::Result;

use crate::audit::Actor;
use crate::cli::{LetterFormat, ReportCmd, ReportFormat};
use crate::report::{self, Format, Report, Request};
use crate::store::Store;
use crate::text::sanitize_line;

impl From<ReportFormat> for Format {
    fn from(f: ReportFormat) -> Format {
        match f {
            ReportFormat::Table => Format::Table,
            ReportFormat::Csv => Format::Csv,
            ReportFormat::Json => Format::Json,
        }
    }
}

/// The CLI's report command as a request of the report layer (None: answered elsewhere).
pub fn request(cmd: ReportCmd) -> Option<(Request, Format)> {
    Some(match cmd {
        ReportCmd::Deficiencies { format, as_of } => {
            (Request::Deficiencies { as_of }, format.into())
        }
        ReportCmd::Delinquency { format, as_of } => (Request::Delinquency { as_of }, format.into()),
        ReportCmd::Dnfb { format, as_of } => (Request::Dnfb { as_of }, format.into()),
        ReportCmd::Coding { format, from, to } => (Request::Coding { from, to }, format.into()),
        ReportCmd::Roi { format, from, to } => (Request::Roi { from, to }, format.into()),
        ReportCmd::DataQuality { rule, format } => (Request::DataQuality { rule }, format.into()),
        ReportCmd::Letters { level, as_of } => (Request::Letters { level, as_of }, Format::Table),
        ReportCmd::Suspension { format, as_of } => (Request::Suspension { as_of }, format.into()),
        ReportCmd::Privacy { from, to, format } => (Request::Privacy { from, to }, format.into()),
        ReportCmd::Rereview { desk, format } => (Request::Rereview { desk }, format.into()),
        ReportCmd::Provider { provider, format } => (
            Request::ProviderLetter {
                provider,
                csv: format == LetterFormat::Csv,
            },
            Format::Table,
        ),
        ReportCmd::Outcomes {
            from,
            to,
            by,
            key,
            format,
        } => (
            Request::Outcomes {
                from,
                to,
                by: by.into(),
                key,
            },
            format.into(),
        ),
        ReportCmd::Productivity {
            from, to, format, ..
        } => (Request::Productivity { from, to }, format.into()),
        ReportCmd::Disclosures { .. } | ReportCmd::Duplicates(_) => return None,
    })
}

pub fn run(store: &mut Store, actor: &Actor, cmd: ReportCmd) -> Result<String> {
    match cmd {
        // The accounting of disclosures and the duplicate list have their own audited reads
        // (roi::disclosure, mpi::dup_report), kept where their rules are.
        ReportCmd::Disclosures {
            patient,
            from,
            format,
            group_repeats,
            ..
        } => {
            crate::cli::roi::report_disclosures(store, actor, &patient, from, format, group_repeats)
        }
        ReportCmd::Duplicates(args) => crate::cli::mpi_report_duplicates(store, actor, &args),
        cmd => {
            let Some((req, format)) = request(cmd) else {
                return Ok(String::new());
            };
            let out = report::run(store, actor, req)?;
            render(&out.report, format)
        }
    }
}

/// One report as text in the given format.
pub fn render(r: &Report, format: Format) -> Result<String> {
    if format == Format::Json {
        return Ok(serde_json::to_string_pretty(r)? + "\n");
    }
    let csv = format == Format::Csv;
    Ok(match r {
        Report::Deficiencies(d) => deficiencies_text(d, csv),
        Report::Delinquency(d) => delinquency_text(d, csv),
        Report::Dnfb(d) => dnfb_text(d, csv),
        Report::Coding(c) => coding_text(c, csv),
        Report::Roi(m) if csv => crate::roi::report::format_csv(m),
        Report::Roi(m) => crate::roi::report::format_table(m),
        Report::DataQuality(d) => data_quality_text(d, csv),
        Report::Letters(l) => l.text.clone(),
        Report::Suspension(s) => suspension_text(s, csv),
        Report::Privacy(p) => privacy_text(p, csv),
        Report::Rereview(r) => rereview_text(r, csv),
        Report::ProviderLetter(l) => l.text.clone(),
        Report::Outcomes(o) => outcomes_text(o, csv),
        Report::Productivity(p) => productivity_text(p, csv),
    })
}

pub(super) fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// A sanitised cell (text from the database shown on the terminal).
pub(super) fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}
