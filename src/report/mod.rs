//! The one report layer (issue #15). Every department report is read here: [`run`] checks
//! the permission, then reads the figures and appends the report's audit row (`Read/Query`,
//! entity `report`, the MRNs shown when it lists patients, AUD-11) in one read transaction
//! (`Store::transact_read`), so what was shown and what was audited are the same snapshot.
//! The CLI (`chartdesk report NAME`) and the TUI both call [`run`]; `report_cli` only renders
//! the returned [`Report`] as a table, CSV (the one writer, `csv_out`) or JSON.
//!
//! Invariants:
//! - A report reads only; its one write is its audit row.
//! - Every list carries its total (`total` in JSON), whatever is shown of it.
//! - A report "as of" a date counts what was true on that date (no row created later).
//!
//! One file per report; each definition is written once in the README ("Reports").

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;

use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::{Reader, Store};

pub mod coding;
pub mod dashboard;
pub mod data_quality;
pub mod deficiencies;
pub mod delinquency;
pub mod dnfb;
pub mod letters;
pub mod outcomes;
pub mod privacy;
pub mod productivity;
pub mod provider_letter;
pub mod rereview;
pub mod roi;
pub mod suspension;
pub mod worklists;

/// How a report is rendered (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// What to read: one variant per report, with its parameters. Dates left out default to the
/// facility's today (`to`, `as_of`) and 30 days before `to` (`from`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Deficiencies {
        as_of: Option<NaiveDate>,
    },
    Delinquency {
        as_of: Option<NaiveDate>,
    },
    Dnfb {
        as_of: Option<NaiveDate>,
    },
    Coding {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    Roi {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    DataQuality {
        rule: Option<String>,
    },
    Letters {
        level: i64,
        as_of: Option<NaiveDate>,
    },
    Suspension {
        as_of: Option<NaiveDate>,
    },
    Privacy {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    Rereview {
        desk: String,
    },
    /// One physician's letter, by provider id or NPI (10 digits).
    ProviderLetter {
        provider: String,
        csv: bool,
    },
    Outcomes {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        by: outcomes::GroupBy,
        /// Drill into this group: list the stays behind it.
        key: Option<String>,
    },
    /// Units ÷ hours entered per user and role against the MET-05/COD-22 targets.
    Productivity {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
}

impl Request {
    /// The report's name as audited and as typed after `chartdesk report`.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Deficiencies { .. } => "deficiencies",
            Request::Delinquency { .. } => "delinquency",
            Request::Dnfb { .. } => "dnfb",
            Request::Coding { .. } => "coding",
            Request::Roi { .. } => "roi",
            Request::DataQuality { .. } => "data_quality",
            Request::Letters { .. } => "escalation_letters",
            Request::Suspension { .. } => "suspension_list",
            Request::Privacy { .. } => "privacy",
            Request::Rereview { .. } => "rereview",
            Request::ProviderLetter { .. } => "provider_letter",
            Request::Outcomes { .. } => "outcomes",
            Request::Productivity { .. } => "productivity",
        }
    }

    /// The permission the report needs (checked in the core, before anything is read).
    pub fn perm(&self) -> Perm {
        match self {
            Request::Deficiencies { .. }
            | Request::Delinquency { .. }
            | Request::Dnfb { .. }
            | Request::Coding { .. }
            | Request::Roi { .. }
            | Request::Privacy { .. }
            | Request::Outcomes { .. }
            | Request::Productivity { .. } => Perm::Administer,
            Request::Rereview { desk } if desk == "coding" => Perm::Code,
            Request::Rereview { .. }
            | Request::DataQuality { .. }
            | Request::Letters { .. }
            | Request::Suspension { .. }
            | Request::ProviderLetter { .. } => Perm::AnalyzeDeficiencies,
        }
    }
}

/// A report's figures, ready to render.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum Report {
    Deficiencies(deficiencies::DeficiencyAging),
    Delinquency(delinquency::Delinquency),
    Dnfb(dnfb::DnfbReport),
    Coding(coding::CodingReport),
    Roi(Box<crate::roi::report::RoiMetrics>),
    DataQuality(data_quality::DataQuality),
    Letters(letters::LetterBatch),
    Suspension(suspension::Suspension),
    Privacy(privacy::Privacy),
    Rereview(rereview::Rereview),
    ProviderLetter(provider_letter::ProviderLetter),
    Outcomes(outcomes::Outcomes),
    Productivity(productivity::Productivity),
}

/// A report read and audited: its name, its figures and the MRNs its audit row names.
#[derive(Clone, Debug)]
pub struct Output {
    pub name: &'static str,
    pub report: Report,
    pub mrns: Option<String>,
}

/// Two dates of a period, checked (`from` ≤ `to`), defaulting as [`Request`] says.
pub(crate) fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), CoreError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Duration::days(30));
    if from > to {
        return Err(CoreError::invalid(
            "from",
            format!("--from {from} is after --to {to}"),
        ));
    }
    Ok((from, to))
}

/// [`period`] for callers outside the report layer (the same defaults and check).
pub fn period_of(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), CoreError> {
    period(from, to, today)
}

/// Authorize, read and audit one report (see the module doc).
pub fn run(store: &mut Store, actor: &Actor, req: Request) -> Result<Output, CoreError> {
    // Calendar days are facility days (clock service).
    crate::clock::facility_zone(store.conn())?;
    let today = crate::roi::request::today(store);
    let name = req.name();
    authorize(store, actor, req.perm(), "report", name)?;
    store.transact_read(actor, |tx, audit| {
        let (report, mrns) = read(tx, &req, today)?;
        let mut detail = json!({"request": format!("{req:?}")});
        if let Some(m) = &mrns {
            detail["mrns"] = json!(m);
        }
        audit.record(Event::new(Action::Read, Subtype::Query, "report", name).detail(detail));
        Ok(Output { name, report, mrns })
    })
}

/// The supervisor's dashboard: every tile in one audited read (`Perm::Administer`).
pub fn run_dashboard(store: &mut Store, actor: &Actor) -> Result<dashboard::Dashboard, CoreError> {
    crate::clock::facility_zone(store.conn())?;
    let today = crate::roi::request::today(store);
    let now = crate::clock::utc_ts(store.now());
    authorize(store, actor, Perm::Administer, "report", "dashboard")?;
    dashboard::store_missing_month_ends(store, actor, today, &now)?;
    store.transact_read(actor, |tx, audit| {
        let d = dashboard::read(tx, today, &now)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", "dashboard")
                .detail(json!({"as_of": today})),
        );
        Ok(d)
    })
}

/// The pending-waiver worklist (DEF-03), audited as a query naming every MRN shown.
pub fn run_waivers(
    store: &mut Store,
    actor: &Actor,
    limit: usize,
) -> Result<(Vec<dashboard::PendingWaiver>, i64), CoreError> {
    authorize(
        store,
        actor,
        Perm::WaiveDeficiency,
        "report",
        "pending_waivers",
    )?;
    store.transact_read(actor, |tx, audit| {
        let (rows, total) = dashboard::pending_waivers(tx, limit)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", "pending_waivers").detail(json!({
                "results": rows.len(), "total": total,
                "mrns": mrn_list(rows.iter().map(|r| r.mrn.as_str()))
            })),
        );
        Ok((rows, total))
    })
}

/// One dashboard worklist ([`worklists::WorklistKind`]), audited as a query naming every MRN
/// shown. Supervisors only (`Perm::Administer`; waivers also need `Perm::WaiveDeficiency`).
pub fn run_worklist(
    store: &mut Store,
    actor: &Actor,
    kind: worklists::WorklistKind,
    limit: usize,
) -> Result<worklists::Worklist, CoreError> {
    crate::clock::facility_zone(store.conn())?;
    let today = crate::roi::request::today(store)
        .format("%Y-%m-%d")
        .to_string();
    let now = crate::clock::utc_ts(store.now());
    let perm = match kind {
        worklists::WorklistKind::Waivers => Perm::WaiveDeficiency,
        _ => Perm::Administer,
    };
    authorize(store, actor, perm, "report", kind.name())?;
    store.transact_read(actor, |tx, audit| {
        let w = worklists::read(tx, kind, &today, &now, limit)?;
        audit.record(
            Event::new(Action::Read, Subtype::Query, "report", kind.name()).detail(json!({
                "results": w.rows.len(), "total": w.total,
                "mrns": mrn_list(w.rows.iter().map(|r| r.mrn.as_str()).filter(|m| !m.is_empty()))
            })),
        );
        Ok(w)
    })
}

/// The bare read of one report (no permission check, no audit): for [`run`] and the bench.
pub fn read(
    conn: &Reader,
    req: &Request,
    today: NaiveDate,
) -> Result<(Report, Option<String>), CoreError> {
    let day = |d: &Option<NaiveDate>| d.unwrap_or(today);
    Ok(match req {
        Request::Deficiencies { as_of } => (
            Report::Deficiencies(deficiencies::read(conn, day(as_of), today)?),
            None,
        ),
        Request::Delinquency { as_of } => (
            Report::Delinquency(delinquency::read(conn, day(as_of))?),
            None,
        ),
        Request::Dnfb { as_of } => {
            let mut r = dnfb::read(conn, day(as_of), today)?;
            r.expected = Some(dnfb::expected_payment(conn, day(as_of))?);
            (Report::Dnfb(r), None)
        }
        Request::Coding { from, to } => {
            let (from, to) = period(*from, *to, today)?;
            (Report::Coding(coding::read(conn, from, to)?), None)
        }
        Request::Roi { from, to } => {
            let (from, to) = period(*from, *to, today)?;
            let m = crate::roi::report::roi_metrics(conn, from, to, today.min(to))?;
            (Report::Roi(Box::new(m)), None)
        }
        Request::DataQuality { rule } => {
            let r = data_quality::read(conn, rule.as_deref())?;
            let m = mrn_list(r.implausible.iter().map(|x| x.mrn.as_str()));
            (Report::DataQuality(r), Some(m))
        }
        Request::Letters { level, as_of } => {
            let (r, m) = letters::read(conn, *level, day(as_of))?;
            (Report::Letters(r), Some(m))
        }
        Request::Suspension { as_of } => (
            Report::Suspension(suspension::read(conn, day(as_of))?),
            None,
        ),
        Request::Privacy { from, to } => {
            let (from, to) = period(*from, *to, today)?;
            let r = privacy::read(conn, from, to)?;
            let m = mrn_list(r.opens.iter().map(|x| x.mrn.as_str()));
            (Report::Privacy(r), Some(m))
        }
        Request::Rereview { desk } => {
            let r = rereview::read(conn, desk)?;
            let m = mrn_list(r.flags.iter().map(|x| x.mrn.as_str()));
            (Report::Rereview(r), Some(m))
        }
        Request::ProviderLetter { provider, csv } => {
            let (r, m) = provider_letter::read(conn, provider, today, *csv)?;
            (Report::ProviderLetter(r), Some(m))
        }
        Request::Outcomes { from, to, by, key } => {
            let (from, to) = period(*from, *to, today)?;
            let r = outcomes::read(conn, from, to, *by, key.as_deref())?;
            let m = (!r.encounters.is_empty())
                .then(|| mrn_list(r.encounters.iter().map(|x| x.mrn.as_str())));
            (Report::Outcomes(r), m)
        }
        Request::Productivity { from, to } => {
            let (from, to) = period(*from, *to, today)?;
            (
                Report::Productivity(productivity::read(conn, from, to)?),
                None,
            )
        }
    })
}

fn mrn_list<'a>(it: impl IntoIterator<Item = &'a str>) -> String {
    crate::audit::mrn_list(it)
}
