//! chartdesk's deterministic generator of realistic synthetic patients, for demos, training
//! and load tests. Everything comes from chartdesk's own code and a hand-written PRNG seeded by
//! [`GenSpec::seed`]; no data files are read at run time.
//!
//! What a data set looks like:
//! - Providers (≈ 40 + encounters/2000, at most 800): attendings in every specialty, residents
//!   and PAs with a supervising physician, NPs; 10-digit NPIs with a valid Luhn check digit
//!   (`80840` prefix).
//! - Patients (≈ encounters/3) of every age from newborns to 95, sex F/M and a few U, with
//!   MRNs `MRN` + 7 digits and an Ohio address. Each has a chronological series of encounters.
//! - Encounters: about 35% inpatient, 25% emergency, 30% outpatient, 10% observation, admitted
//!   over the 120 days before [`GenSpec::today`]. The reference instant is `today` at 06:00
//!   facility time: stays that would end after it are still in house (no discharge, HIM
//!   status `open`), and nothing (notes, signatures, coding) happens after it. Discharged
//!   stays carry a UB-04 discharge status; charts discharged in the last two days await
//!   analysis; older ones are `incomplete` when a document is missing, unsigned or awaits
//!   cosignature, else `doc_complete`, and only `doc_complete` charts are coded or billed.
//!   `analyzed_at`, `coded_at` and `final_billed_at` are facility-local like clinical times.
//! - Documents by LOINC type with clinical text built from templates (compact notes above
//!   [`COMPACT_ABOVE`] encounters). About 10% of expected documents are missing and 15% are
//!   unsigned, most of them on charts discharged in the last three weeks; older charts are
//!   more often complete, but some stay delinquent. No deficiency rows are written: analysis
//!   derives them from the documents.
//!
//! Speed: 200,000 encounters take about 22 s in release mode (about 0.5 GB of database).
//!
//! Determinism: the same [`GenSpec`] on a fresh database gives byte-identical rows in
//! `providers`, `patients`, `encounters` and `documents`. Ids are assigned explicitly,
//! continuing after the largest id already present, so generating into a non-empty database
//! also works (MRNs and visit numbers derive from the ids and stay unique).
//!
//! Audit: rows are written through [`Store::transact`] in batches of about
//! [`BATCH_ENCOUNTERS`] encounters. Each batch records ONE audit event (`C`/`create`, entity
//! type `dataset`) whose detail names the seed, `today`, the batch number, the id ranges and
//! the row counts of that batch, rather than one event per row: the rows are synthetic, every
//! row is still attributable to an audited creation through its id range, and a million
//! per-row events would multiply the size and the run time of a load-test data set.

mod clinical;
pub mod desk;
mod docs;
pub mod duplicates;
mod names;
mod notes;
mod plan;
mod rng;
pub mod roi;
pub(crate) mod roster;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use crate::store::{Reader, Tx};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rusqlite::params;
use serde_json::json;

use crate::accounts;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::domain::Role;
use crate::error::CoreError;
use crate::store::Store;

use notes::NoteCtx;
use plan::{EncounterPlan, PatientPlan, Planner, Template};
use rng::Rng;
use roster::Roster;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenSpec {
    pub seed: u64,
    pub encounters: usize,
    /// The day the data set is "as of": admissions fall in the 120 days before it.
    pub today: NaiveDate,
}

/// Rows inserted by [`generate`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenSummary {
    pub providers: usize,
    pub patients: usize,
    pub encounters: usize,
    pub documents: usize,
}

/// Demo accounts, one per role: (username, role, password, full name). Shown on the demo
/// login screen — never use them on a database holding real patients.
pub const DEMO_USERS: &[(&str, Role, &str, &str)] = &[
    ("tech", Role::Technician, "tech-demo", "Riley Chen"),
    ("coder", Role::Coder, "coder-demo", "Sam Okafor"),
    ("roi", Role::Roi, "roi-demo", "Jordan Patel"),
    ("super", Role::Supervisor, "super-demo", "Alex Morgan"),
];

/// Encounters written per transaction (and per audit event).
pub const BATCH_ENCOUNTERS: usize = 20_000;

/// Above this many encounters, notes use their compact form (header and key sections only,
/// about 0.3–0.5 KB instead of 0.6–2 KB) to keep large data sets to a reasonable size.
pub const COMPACT_ABOVE: usize = 50_000;

/// `source` of every generated row.
const SOURCE: &str = "chartdesk-demo";

/// Insert providers, patients, encounters and documents. Deterministic for (seed,
/// encounters, today): the same spec gives byte-identical rows, however the run is batched
/// and even when it was interrupted and resumed. Writes through `store.transact` in batches
/// of at most [`BATCH_ENCOUNTERS`] encounters and about [`BATCH_BUDGET`] of work (so the
/// write lock is never held long), each batch recording one audit event (see the module
/// documentation for why).
///
/// Resumable: each batch also records the run's progress (`gen_progress` in
/// `chartdesk_meta`: spec, first ids, generator state) in its own transaction. When the last
/// run of this database stopped before its end (killed) and `spec` is the same, this call
/// finishes that run instead of starting another: the result is the same rows as a run that
/// was never interrupted. A finished run followed by the same spec appends a second data set.
pub fn generate(store: &mut Store, actor: &Actor, spec: &GenSpec) -> Result<GenSummary, CoreError> {
    let conn = store.conn();
    let resume = progress(conn)?.filter(|p| !p.done && p.spec() == *spec);
    let (base, taken) = match &resume {
        Some(p) => (p.base, existing_npis(conn, p.base[0])?),
        None => (
            [
                max_id(conn, "providers")?,
                max_id(conn, "patients")?,
                max_id(conn, "encounters")?,
                max_id(conn, "documents")?,
            ],
            existing_npis(conn, i64::MAX)?,
        ),
    };
    let [base_provider, base_patient, base_encounter, base_document] = base;

    let mut rng = Rng::new(spec.seed);
    let roster = Roster::build(
        &mut rng,
        roster::provider_count(spec.encounters),
        base_provider + 1,
        taken,
    );
    let planner = Planner {
        today: spec.today,
        now: spec.today.and_time(NaiveTime::MIN) + chrono::Duration::hours(6),
        roster: &roster,
    };
    let mut g = Gen {
        rng,
        planner,
        compact: spec.encounters > COMPACT_ABOVE,
        next_patient: base_patient + 1,
        next_encounter: base_encounter + 1,
        next_document: base_document + 1,
        summary: GenSummary {
            providers: 0,
            patients: 0,
            encounters: 0,
            documents: 0,
        },
    };
    let mut batch = 0usize;
    if let Some(p) = &resume {
        g.rng = Rng::from_state(p.rng_state);
        [g.next_patient, g.next_encounter, g.next_document] = p.next;
        g.summary = p.summary.clone();
        batch = p.batch;
    }

    while batch == 0 || g.summary.encounters < spec.encounters {
        let before = g.summary.clone();
        let first = (g.next_patient, g.next_encounter, g.next_document);
        store.transact(actor, |tx, audit| {
            if batch == 0 {
                g.insert_providers(tx)?;
            }
            let started = std::time::Instant::now();
            // Batches end between patients only, and a patient's encounters are capped by the
            // run's total alone: the rows do not depend on where batches end.
            while g.summary.encounters < spec.encounters
                && g.summary.encounters - before.encounters < BATCH_ENCOUNTERS
                && started.elapsed() < BATCH_BUDGET
            {
                g.patient(tx, spec.encounters - g.summary.encounters)?;
            }
            backing_records(tx, first.1, g.next_encounter - 1)?;
            let s = &g.summary;
            audit.record(
                Event::new(
                    Action::Create,
                    Subtype::Create,
                    "dataset",
                    format!("demo-seed-{}-batch-{batch}", spec.seed),
                )
                .reason("synthetic demo data")
                .detail(json!({
                    "generator": SOURCE,
                    "seed": spec.seed,
                    "today": date(spec.today),
                    "requested_encounters": spec.encounters,
                    "batch": batch,
                    "resumed": resume.is_some(),
                    "compact_notes": g.compact,
                    "provider_ids": (batch == 0).then(|| [base_provider + 1, base_provider + s.providers as i64]),
                    "patient_ids": [first.0, g.next_patient - 1],
                    "encounter_ids": [first.1, g.next_encounter - 1],
                    "document_ids": [first.2, g.next_document - 1],
                    "counts": {
                        "providers": s.providers - before.providers,
                        "patients": s.patients - before.patients,
                        "encounters": s.encounters - before.encounters,
                        "documents": s.documents - before.documents,
                    },
                })),
            );
            let p = Progress {
                seed: spec.seed,
                encounters: spec.encounters,
                today: date(spec.today),
                base,
                batch: batch + 1,
                rng_state: g.rng.state(),
                next: [g.next_patient, g.next_encounter, g.next_document],
                summary: g.summary.clone(),
                done: g.summary.encounters >= spec.encounters,
            };
            let text = serde_json::to_string(&p)
                .map_err(|e| CoreError::invalid("gen_progress", e.to_string()))?;
            tx.execute(
                "INSERT OR REPLACE INTO chartdesk_meta(key, value) VALUES ('gen_progress', ?1)",
                [text],
            )?;
            Ok::<_, CoreError>(())
        })?;
        batch += 1;
        if g.summary.encounters < spec.encounters {
            // Let a waiting user's action in before the next batch.
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
    }
    Ok(g.summary)
}

/// Give every coding state of the encounters `first..=last` what stands behind it (issue #15):
/// - `on_hold_query`: an open documentation query to the attending (COD-21) and its QUERY
///   deficiency (origin `query`), asked the day after analysis, as `coding::query` writes them;
/// - `coded` and `final_billed`: a principal diagnosis (ICD-10-CM, from the visit reason) and
///   the completed coding session, credited to the demo coder `coder`.
///
/// `incomplete` charts get their deficiencies from analysis (`analyze --scope analyzed`, run
/// by `demo` and `gen` after the generator), which reads the missing and unsigned documents.
/// (id, reason, kind, coded_at, analyzed_at) of a coded encounter.
type CodedRow = (i64, String, String, String, Option<String>);

fn backing_records(tx: &Tx<'_>, first: i64, last: i64) -> Result<(), CoreError> {
    let expire = crate::settings::get_i64(tx, crate::settings::Key::QueryExpireDays)?;
    let def_days = crate::settings::get_i64(tx, crate::settings::Key::DeficiencyDelinquentDays)?;
    let held: Vec<(i64, Option<i64>, String)> = {
        let mut st = tx.prepare(
            "SELECT id, attending_id, COALESCE(analyzed_at, discharge_at) FROM encounters
              WHERE id BETWEEN ?1 AND ?2 AND coding_status = 'on_hold_query' ORDER BY id",
        )?;
        st.query_map(params![first, last], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?
    };
    for (id, provider, analyzed) in held {
        let Ok(at) = NaiveDateTime::parse_from_str(&analyzed, "%Y-%m-%dT%H:%M:%S") else {
            continue;
        };
        let asked = at + chrono::Duration::hours(20);
        let question =
            "Please clarify the principal diagnosis documented in the discharge summary.";
        tx.execute(
            "INSERT INTO coding_queries(encounter_id, provider_id, question, status, asked_by, asked_at, due_at)
             VALUES (?1, ?2, ?3, 'open', 'coder', ?4, ?5)",
            params![id, provider, question, ts(asked), ts(asked + chrono::Duration::days(expire))],
        )?;
        let qid = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO deficiencies(encounter_id, slot, kind, provider_id, status, opened_at, assigned_at, due_at, origin, rule, note)
             VALUES (?1, ?2, 'QUERY', ?3, 'open', ?4, ?4, ?5, 'query', 'COD-21', ?6)",
            params![id, format!("query:{qid}"), provider, ts(asked),
                    ts(asked + chrono::Duration::days(def_days)), question],
        )?;
        tx.execute(
            "UPDATE coding_queries SET deficiency_id = ?1 WHERE id = ?2",
            params![tx.last_insert_rowid(), qid],
        )?;
    }
    let coded: Vec<CodedRow> = {
        let mut st = tx.prepare(
            "SELECT id, reason, kind, coded_at, analyzed_at FROM encounters
              WHERE id BETWEEN ?1 AND ?2 AND coding_status IN ('coded','final_billed') ORDER BY id",
        )?;
        st.query_map(params![first, last], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?
    };
    for (id, reason, kind, coded_at, analyzed_at) in coded {
        tx.execute(
            "INSERT INTO encounter_codes(encounter_id, kind, sequence, code, poa, assigned_by, assigned_at)
             VALUES (?1, 'dx', 1, ?2, ?3, 'coder', ?4)",
            params![id, clinical::principal_dx(&reason), (kind == "inpatient").then_some("Y"), coded_at],
        )?;
        let started = NaiveDateTime::parse_from_str(&coded_at, "%Y-%m-%dT%H:%M:%S")
            .map(|c| ts(c - chrono::Duration::minutes(if kind == "inpatient" { 24 } else { 3 })))
            .unwrap_or_else(|_| analyzed_at.unwrap_or_else(|| coded_at.clone()));
        tx.execute(
            "INSERT INTO coding_work(encounter_id, username, encounter_kind, started_at, completed_at)
             VALUES (?1, 'coder', ?2, ?3, ?4)",
            params![id, kind, started, coded_at],
        )?;
    }
    Ok(())
}

/// Work per generator transaction: the write lock is released at least this often.
pub const BATCH_BUDGET: std::time::Duration = std::time::Duration::from_millis(100);

/// A generator run's progress, committed with each batch (`chartdesk_meta.gen_progress`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Progress {
    seed: u64,
    encounters: usize,
    today: String,
    /// Largest provider, patient, encounter and document ids before the run.
    base: [i64; 4],
    /// The next batch number.
    batch: usize,
    rng_state: u64,
    /// Next patient, encounter and document ids.
    next: [i64; 3],
    summary: GenSummary,
    done: bool,
}

impl Progress {
    fn spec(&self) -> GenSpec {
        GenSpec {
            seed: self.seed,
            encounters: self.encounters,
            today: NaiveDate::parse_from_str(&self.today, "%Y-%m-%d").unwrap_or(NaiveDate::MIN),
        }
    }
}

fn progress(conn: &Reader) -> Result<Option<Progress>, CoreError> {
    use rusqlite::OptionalExtension;
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM chartdesk_meta WHERE key = 'gen_progress'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// The spec of a run that stopped before its end (a killed `gen`), if the last run did.
pub fn unfinished(conn: &Reader) -> Result<Option<(GenSpec, usize)>, CoreError> {
    Ok(progress(conn)?
        .filter(|p| !p.done)
        .map(|p| (p.spec(), p.summary.encounters)))
}

/// Create the [`DEMO_USERS`] through [`accounts::add_user`] (errors if they already exist).
pub fn create_demo_users(store: &mut Store, actor: &Actor) -> Result<(), CoreError> {
    for (username, role, password, full_name) in DEMO_USERS {
        accounts::add_user(store, actor, username, full_name, *role, password)?;
    }
    Ok(())
}

fn max_id(conn: &Reader, table: &str) -> Result<i64, CoreError> {
    let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
    Ok(conn.query_row(&sql, [], |r| r.get(0))?)
}

/// NPIs of providers with an id up to `max_id` (a resumed run sees the roster as it was).
fn existing_npis(conn: &Reader, max_id: i64) -> Result<BTreeSet<String>, CoreError> {
    let mut stmt = conn.prepare("SELECT npi FROM providers WHERE npi IS NOT NULL AND id <= ?1")?;
    let rows = stmt.query_map([max_id], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<BTreeSet<_>, _>>()?)
}

/// `YYYY-MM-DD`.
fn date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `YYYY-MM-DDTHH:MM:SS`, facility-local.
fn ts(t: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn ts_opt(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(ts)
}

struct Gen<'a> {
    rng: Rng,
    planner: Planner<'a>,
    compact: bool,
    next_patient: i64,
    next_encounter: i64,
    next_document: i64,
    summary: GenSummary,
}

impl Gen<'_> {
    fn insert_providers(&mut self, tx: &Tx<'_>) -> Result<(), CoreError> {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO providers(id, npi, family_name, given_name, credentials, specialty, kind,
                                   supervisor_id, active, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9)",
        )?;
        let roster = self.planner.roster;
        for p in &roster.providers {
            stmt.execute(params![
                p.id,
                p.npi,
                p.family,
                p.given,
                p.credentials,
                p.spec.specialty(),
                p.kind,
                p.supervisor.map(|i| roster.id(i)),
                SOURCE,
            ])?;
        }
        self.summary.providers += roster.providers.len();
        Ok(())
    }

    /// Plan one patient (at most `room` encounters), write the notes and insert everything.
    fn patient(&mut self, tx: &Tx<'_>, room: usize) -> Result<(), CoreError> {
        let mut plan = self.planner.patient(&mut self.rng, room);
        self.write_bodies(&mut plan);
        let pid = self.next_patient;
        self.next_patient += 1;
        // Sequential but not consecutive numbers, as hospital registration systems assign.
        let mrn = format!("MRN{:07}", 10_000 + pid * 3 + self.rng.range(0, 2));
        let (phone, ssn_last4) = duplicates::contact(pid);
        tx.prepare_cached(
            "INSERT INTO patients(id, mrn, family_name, given_name, birth_date, sex, deceased_at,
                                  address, source, phone, ssn_last4)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            pid,
            mrn,
            plan.family,
            plan.given,
            date(plan.birth),
            plan.sex,
            ts_opt(plan.deceased_at),
            plan.address,
            SOURCE,
            phone,
            ssn_last4,
        ])?;
        self.summary.patients += 1;
        for enc in &plan.encounters {
            self.insert_encounter(tx, pid, enc)?;
        }
        Ok(())
    }

    fn insert_encounter(
        &mut self,
        tx: &Tx<'_>,
        pid: i64,
        e: &EncounterPlan,
    ) -> Result<(), CoreError> {
        let roster = self.planner.roster;
        let eid = self.next_encounter;
        self.next_encounter += 1;
        let visit = format!("V{:08}", 100_000 + eid * 3 + self.rng.range(0, 2));
        tx.prepare_cached(
            "INSERT INTO encounters(id, visit_number, patient_id, kind, service, admit_at,
                 discharge_at, attending_id, discharge_disposition, reason, him_status,
                 coding_status, analyzed_at, coded_at, final_billed_at, total_charges_cents, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )?
        .execute(params![
            eid,
            visit,
            pid,
            e.kind.as_str(),
            e.service,
            ts(e.admit_at),
            ts_opt(e.discharge_at),
            roster.id(e.attending),
            e.disposition,
            e.reason.label,
            e.him.as_str(),
            e.coding.as_str(),
            ts_opt(e.analyzed_at),
            ts_opt(e.coded_at),
            ts_opt(e.final_billed_at),
            e.charges_cents,
            SOURCE,
        ])?;
        self.summary.encounters += 1;
        let mut stmt = tx.prepare_cached(
            "INSERT INTO documents(id, encounter_id, doc_type, title, author_id, cosigner_id,
                 status, service_at, dictated_at, transcribed_at, signed_at, cosigned_at,
                 sensitivity, body, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?;
        for d in &e.docs {
            let did = self.next_document;
            self.next_document += 1;
            stmt.execute(params![
                did,
                eid,
                d.doc_type,
                d.title,
                roster.id(d.author),
                d.cosigner.map(|c| roster.id(c)),
                d.status.as_str(),
                ts(d.service_at),
                ts_opt(d.dictated_at),
                ts_opt(d.transcribed_at),
                ts_opt(d.signed_at),
                ts_opt(d.cosigned_at),
                d.sensitivity,
                d.body,
                SOURCE,
            ])?;
            self.summary.documents += 1;
        }
        Ok(())
    }

    /// Fill in every document's text from its template.
    fn write_bodies(&mut self, plan: &mut PatientPlan) {
        let roster = self.planner.roster;
        let rng = &mut self.rng;
        for e in &mut plan.encounters {
            let reason = e.reason;
            let (age_years, age_months) = plan::age_on(plan.birth, e.admit_at.date());
            let admit = ts(e.admit_at);
            let discharge = e.discharge_at.map(ts).unwrap_or_default();
            let disposition = plan::disposition_text(e.disposition.unwrap_or(""));
            let anesthesiologist =
                roster.display(roster.attending(rng, clinical::Spec::Anesthesia));
            for d in &mut e.docs {
                let ctx = NoteCtx {
                    reason,
                    age_years,
                    age_months,
                    sex: plan.sex,
                    service: e.service,
                    author: roster.display(d.author),
                    attending: roster.display(e.attending),
                    compact: self.compact,
                    inpatient: matches!(
                        e.kind,
                        crate::domain::EncounterKind::Inpatient
                            | crate::domain::EncounterKind::Observation
                    ),
                };
                let when = ts(d.service_at);
                d.body = match d.template {
                    Template::Hp => notes::history_and_physical(rng, &ctx, &when),
                    Template::HpUpdate => notes::hp_update(rng, &ctx, &when),
                    Template::Progress(day) => notes::progress(rng, &ctx, &when, day),
                    Template::Discharge => notes::discharge_summary(
                        rng,
                        &ctx,
                        &when,
                        (&admit, &discharge),
                        reason.proc,
                        disposition,
                    ),
                    Template::Operative => match reason.proc {
                        Some(p) => notes::operative_report(rng, &ctx, p, &when, anesthesiologist),
                        None => String::new(),
                    },
                    Template::Consent => match reason.proc {
                        Some(p) => notes::consent(rng, &ctx, p, &when),
                        None => String::new(),
                    },
                    Template::Consult => notes::clinic_note(rng, &ctx, &when, true),
                    Template::Ed => notes::ed_note(rng, &ctx, &when, disposition),
                    Template::Clinic => notes::clinic_note(rng, &ctx, &when, false),
                    Template::Procedure => match reason.proc {
                        Some(p) => notes::procedure_note(rng, &ctx, p, &when),
                        None => String::new(),
                    },
                };
            }
        }
    }
}
