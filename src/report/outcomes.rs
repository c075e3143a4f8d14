//! Patient outcomes of inpatient stays by service, attending or discharge month (issue #15):
//! length of stay, discharge disposition mix, 30-day all-cause readmissions, in-hospital
//! mortality and left against medical advice. Every figure drills down to its encounters
//! ([`Request::Outcomes`](super::Request) with a `key`).
//!
//! Definitions (also in the README, "Patient outcomes"):
//! - **Stays counted**: inpatient encounters discharged on `from..=to` (facility days),
//!   grouped by the discharge's service, attending or month.
//! - **Length of stay**: discharge date − admission date in days; a same-day stay counts 1
//!   day (the inpatient census convention).
//! - **Disposition**: the UB-04 patient discharge status (FL 17) as recorded.
//! - **In-hospital mortality**: status 20 (expired) ÷ stays. **Left AMA**: status 07 ÷ stays.
//! - **30-day all-cause readmission** (after the CMS Hospital-Wide Readmission measure, as far
//!   as one facility's records allow): an *index stay* is a stay counted above whose patient
//!   was discharged alive (not 20, 40, 41, 42), not against medical advice (07), and not
//!   transferred to another acute-care hospital (02, 05, 66, 82, 85, 94 — the next hospital's
//!   discharge is the index). It is *readmitted* when the same patient's next inpatient
//!   admission begins at or after the index discharge and no more than 30 days after its
//!   discharge date (day 0 = the discharge day, so a same-day readmission counts), whatever
//!   its cause. A readmission is *planned*, and not counted, when the index discharge status
//!   is 81–95 (NUBC: "with a planned acute care hospital inpatient readmission"). A
//!   readmission that falls after the period or in another month still counts, for the index
//!   stay's group. One readmission at most per index stay.
//! - **GMLOS**: computed on read for coded inpatient stays (`coding_status` coded or final
//!   billed): the stay's stored code list is grouped by the MS-DRG v43 grouper exactly as the
//!   workbench does (`coding::working_drg::claim_of`, DRG-01) and the final DRG's Table 5
//!   GMLOS is taken (DRG-06). A stay without a principal diagnosis, or whose DRG has no GMLOS
//!   (998/999), has none. Per group: `gmlos_stays`, their mean LOS and mean GMLOS, and the
//!   LOS/GMLOS ratio = Σ LOS ÷ Σ GMLOS over those stays (above 1: longer than the national
//!   geometric mean). Nothing is stored, so a recoded stay is reported with its current codes.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::params;
use serde::Serialize;

use crate::error::CoreError;
use crate::store::Reader;

/// How stays are grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Service,
    Attending,
    Month,
}

/// The readmission window in days after the index discharge date.
pub const READMIT_DAYS: i64 = 30;

/// One inpatient stay as read for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stay {
    pub encounter_id: i64,
    pub patient_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub service: String,
    pub attending: String,
    pub admit_at: NaiveDateTime,
    pub discharge_at: Option<NaiveDateTime>,
    pub disposition: String,
}

/// One counted stay with its outcome facts (the drill-down row).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StayOutcome {
    pub encounter_id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub group: String,
    pub los_days: i64,
    pub disposition: String,
    pub died: bool,
    pub left_ama: bool,
    /// An index stay of the readmission measure.
    pub index_stay: bool,
    /// The unplanned readmission counted against this index stay (its visit number).
    pub readmitted_by: Option<String>,
    /// A readmission that followed but was planned (not counted).
    pub planned_readmission: Option<String>,
    /// The GMLOS of the stay's MS-DRG, when it is coded (see the module doc).
    pub gmlos: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeRow {
    pub group: String,
    pub stays: i64,
    pub los_mean: Option<f64>,
    pub los_median: Option<f64>,
    pub dispositions: BTreeMap<String, i64>,
    pub index_stays: i64,
    pub readmissions: i64,
    pub readmission_rate_percent: Option<f64>,
    pub deaths: i64,
    pub mortality_percent: Option<f64>,
    pub left_ama: i64,
    pub left_ama_percent: Option<f64>,
    /// Coded stays with a GMLOS, their mean LOS and mean GMLOS, and Σ LOS ÷ Σ GMLOS.
    pub gmlos_stays: i64,
    pub gmlos_los_mean: Option<f64>,
    pub gmlos_mean: Option<f64>,
    pub los_to_gmlos: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcomes {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub by: GroupBy,
    pub groups: Vec<OutcomeRow>,
    /// All stays together.
    pub all: OutcomeRow,
    /// The group drilled into, when one was asked for.
    pub key: Option<String>,
    /// The stays behind the group drilled into (empty without a key).
    pub encounters: Vec<StayOutcome>,
    /// Stays in all groups (`all.stays`).
    pub total: i64,
}

fn is_death(d: &str) -> bool {
    matches!(d, "20" | "40" | "41" | "42")
}
fn is_transfer(d: &str) -> bool {
    matches!(d, "02" | "05" | "66" | "82" | "85" | "94")
}
fn is_planned_readmit(d: &str) -> bool {
    d.parse::<u8>().is_ok_and(|n| (81..=95).contains(&n)) && d.len() == 2
}

fn group_of(s: &Stay, by: GroupBy) -> String {
    match by {
        GroupBy::Service if s.service.is_empty() => "(no service)".into(),
        GroupBy::Service => s.service.clone(),
        GroupBy::Attending if s.attending.is_empty() => "(no attending)".into(),
        GroupBy::Attending => s.attending.clone(),
        GroupBy::Month => s
            .discharge_at
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default(),
    }
}

/// The outcome facts of every stay discharged on `from..=to`. `stays` holds every inpatient
/// stay of the patients concerned (any order), including admissions after `to`.
pub fn stay_outcomes(
    stays: &[Stay],
    from: NaiveDate,
    to: NaiveDate,
    by: GroupBy,
) -> Vec<StayOutcome> {
    let mut sorted: Vec<&Stay> = stays.iter().collect();
    sorted.sort_by_key(|s| (s.patient_id, s.admit_at, s.encounter_id));
    let mut out = Vec::new();
    for s in &sorted {
        let Some(dis) = s.discharge_at else { continue };
        if dis.date() < from || dis.date() > to {
            continue;
        }
        let los = (dis.date() - s.admit_at.date()).num_days().max(1);
        let d = s.disposition.as_str();
        let died = is_death(d);
        let ama = d == "07";
        let index = !died && !ama && !is_transfer(d);
        let next = sorted.iter().find(|n| {
            n.patient_id == s.patient_id && n.encounter_id != s.encounter_id && n.admit_at >= dis
        });
        let within = next.filter(|n| (n.admit_at.date() - dis.date()).num_days() <= READMIT_DAYS);
        let planned = is_planned_readmit(d);
        out.push(StayOutcome {
            encounter_id: s.encounter_id,
            visit_number: s.visit_number.clone(),
            mrn: s.mrn.clone(),
            group: group_of(s, by),
            los_days: los,
            disposition: s.disposition.clone(),
            died,
            left_ama: ama,
            index_stay: index,
            readmitted_by: within
                .filter(|_| index && !planned)
                .map(|n| n.visit_number.clone()),
            planned_readmission: within
                .filter(|_| index && planned)
                .map(|n| n.visit_number.clone()),
            gmlos: None,
        });
    }
    out
}

fn pct(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| n as f64 * 100.0 / d as f64)
}

/// The figures of a set of stays.
pub fn summarize(group: &str, stays: &[&StayOutcome]) -> OutcomeRow {
    let n = stays.len() as i64;
    let mut los: Vec<i64> = stays.iter().map(|s| s.los_days).collect();
    los.sort_unstable();
    let median = match los.len() {
        0 => None,
        k if k % 2 == 1 => Some(los[k / 2] as f64),
        k => Some((los[k / 2 - 1] + los[k / 2]) as f64 / 2.0),
    };
    let mut dispositions = BTreeMap::new();
    for s in stays {
        *dispositions.entry(s.disposition.clone()).or_insert(0) += 1;
    }
    let index = stays.iter().filter(|s| s.index_stay).count() as i64;
    let readmit = stays.iter().filter(|s| s.readmitted_by.is_some()).count() as i64;
    let deaths = stays.iter().filter(|s| s.died).count() as i64;
    let ama = stays.iter().filter(|s| s.left_ama).count() as i64;
    let grouped: Vec<(i64, f64)> = stays
        .iter()
        .filter_map(|s| s.gmlos.map(|g| (s.los_days, g)))
        .collect();
    let gn = grouped.len() as i64;
    let g_los: i64 = grouped.iter().map(|(l, _)| l).sum();
    let g_sum: f64 = grouped.iter().map(|(_, g)| g).sum();
    OutcomeRow {
        group: group.to_string(),
        stays: n,
        los_mean: (n > 0).then(|| los.iter().sum::<i64>() as f64 / n as f64),
        los_median: median,
        dispositions,
        index_stays: index,
        readmissions: readmit,
        readmission_rate_percent: pct(readmit, index),
        deaths,
        mortality_percent: pct(deaths, n),
        left_ama: ama,
        left_ama_percent: pct(ama, n),
        gmlos_stays: gn,
        gmlos_los_mean: (gn > 0).then(|| g_los as f64 / gn as f64),
        gmlos_mean: (gn > 0).then(|| g_sum / gn as f64),
        los_to_gmlos: (g_sum > 0.0).then(|| g_los as f64 / g_sum),
    }
}

/// The GMLOS of a coded stay's MS-DRG, grouped on read from its stored codes (DRG-01,
/// DRG-06). None when the list has no principal diagnosis, the grouper refuses it (the
/// discharge date outside v43, unreadable dates) or the DRG has no GMLOS.
pub fn coded_gmlos(
    conn: &Reader,
    encounter_id: i64,
    poa_exempt: bool,
) -> Result<Option<f64>, CoreError> {
    Ok(group_stored(conn, encounter_id, poa_exempt)?.and_then(|r| r.gmlos))
}

/// An encounter's stored code list grouped by the MS-DRG v43 grouper, as the workbench's
/// working DRG groups it (`coding::working_drg::claim_of`). None when the list has no
/// principal diagnosis or the grouper refuses it (discharge outside v43, unreadable dates).
pub fn group_stored(
    conn: &Reader,
    encounter_id: i64,
    poa_exempt: bool,
) -> Result<Option<crate::coding::grouper::GroupResult>, CoreError> {
    let h = crate::coding::work::header(conn, encounter_id)?;
    let codes = crate::coding::work::read_codes(conn, encounter_id)?;
    let Ok(Some((claim, _))) = crate::coding::working_drg::claim_of(&h, &codes, poa_exempt) else {
        return Ok(None);
    };
    Ok(crate::coding::grouper::group(&claim).ok())
}

/// Whether the facility is POA-exempt (POA-03: any `facility_type` but IPPS).
pub fn poa_exempt(conn: &Reader) -> Result<bool, CoreError> {
    Ok(
        !crate::settings::get(conn, crate::settings::Key::FacilityType)?
            .eq_ignore_ascii_case("IPPS"),
    )
}

/// Group the stay outcomes (groups in key order) and the all-stays row.
pub fn group(outcomes: &[StayOutcome]) -> (Vec<OutcomeRow>, OutcomeRow) {
    let mut by: BTreeMap<&str, Vec<&StayOutcome>> = BTreeMap::new();
    for o in outcomes {
        by.entry(o.group.as_str()).or_default().push(o);
    }
    let groups = by.iter().map(|(k, v)| summarize(k, v)).collect();
    let all: Vec<&StayOutcome> = outcomes.iter().collect();
    (groups, summarize("ALL", &all))
}

fn parse_ts(s: &str) -> Option<NaiveDateTime> {
    let s = s.get(..19).unwrap_or(s);
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// The inpatient stays of every patient discharged from an inpatient stay on `from..=to`,
/// with their admissions up to 30 days after `to`.
pub fn read_stays(conn: &Reader, from: NaiveDate, to: NaiveDate) -> Result<Vec<Stay>, CoreError> {
    let lo = from.format("%Y-%m-%d").to_string();
    let hi = format!("{}~", to.format("%Y-%m-%d"));
    let horizon = format!(
        "{}~",
        (to + chrono::Duration::days(READMIT_DAYS)).format("%Y-%m-%d")
    );
    let mut st = conn.prepare(
        "SELECT e.id, e.patient_id, e.visit_number, p.mrn, e.service,
                COALESCE((SELECT trim(family_name || ', ' || given_name) FROM providers WHERE id = e.attending_id), ''),
                e.admit_at, e.discharge_at, COALESCE(e.discharge_disposition, '')
           FROM encounters e JOIN patients p ON p.id = e.patient_id
          WHERE e.kind = 'inpatient' AND e.admit_at < ?3
            AND e.patient_id IN (SELECT patient_id FROM encounters
                                  WHERE kind = 'inpatient' AND discharge_at >= ?1 AND discharge_at < ?2)",
    )?;
    let rows = st.query_map(params![lo, hi, horizon], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
            r.get::<_, String>(8)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, pid, visit, mrn, service, attending, admit, discharge, dispo) = row?;
        let Some(admit_at) = parse_ts(&admit) else {
            continue;
        };
        out.push(Stay {
            encounter_id: id,
            patient_id: pid,
            visit_number: visit,
            mrn,
            service,
            attending,
            admit_at,
            discharge_at: discharge.as_deref().and_then(parse_ts),
            disposition: dispo,
        });
    }
    Ok(out)
}

pub fn read(
    conn: &Reader,
    from: NaiveDate,
    to: NaiveDate,
    by: GroupBy,
    key: Option<&str>,
) -> Result<Outcomes, CoreError> {
    let stays = read_stays(conn, from, to)?;
    let mut outcomes = stay_outcomes(&stays, from, to, by);
    let poa_exempt = poa_exempt(conn)?;
    let mut coded = conn.prepare_cached(
        "SELECT coding_status IN ('coded','final_billed') FROM encounters WHERE id = ?1",
    )?;
    for o in &mut outcomes {
        if coded.query_row([o.encounter_id], |r| r.get::<_, bool>(0))? {
            o.gmlos = coded_gmlos(conn, o.encounter_id, poa_exempt)?;
        }
    }
    let (groups, all) = group(&outcomes);
    let encounters = match key {
        Some(k) => outcomes.into_iter().filter(|o| o.group == k).collect(),
        None => Vec::new(),
    };
    Ok(Outcomes {
        from,
        to,
        by,
        total: all.stays,
        groups,
        all,
        key: key.map(str::to_string),
        encounters,
    })
}
