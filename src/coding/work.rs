//! The coder's work on one encounter: claim it, set its code list, complete coding (edits
//! rerun against the code set in force at discharge, COD-01), reopen with a reason.
//!
//! Invariants:
//! - Every change is one `Store::transact` with its audit rows; permission (`Perm::Code`,
//!   DOMAIN §1) is checked in these functions, not only in the screens.
//! - Two coders never code one encounter at once: saving and completing need the caller's
//!   live claim (`work_claims`, entity `coding`, lasting `claim_minutes`).
//! - Completion is refused while an error-level edit fires, while a warning is not
//!   acknowledged, while the encounter is held for documentation (COD-20; a supervisor may
//!   override with a reason) or while a query is open (COD-21).
//! - The code list is stored whole on each save: principal diagnosis at sequence 1, then the
//!   secondary diagnoses in order, then procedures in order with their principal flag.

use crate::store::Reader;
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use super::facts::{cm_syntax_ok, pcs_syntax_ok};
use super::hold::{HoldPolicy, OpenDeficiency, describe_hold, hold_reasons, policy_in_force};
use super::{DxEntry, Edit, EditInput, PxEntry, Severity, load_facts, normalize_code, run_edits};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::deficiency::lifecycle::MIN_REASON_CHARS;
use crate::deficiency::ops::{local_now, local_ts};
use crate::domain::{EncounterKind, Perm, Role};
use crate::error::CoreError;
use crate::settings;
use crate::store::{Store, Tx};

/// The claim entity type of coding work (separate from the technicians' chart claims).
pub const CLAIM_ENTITY: &str = "coding";

/// One encounter as the workbench shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EncounterHeader {
    pub id: i64,
    pub visit_number: String,
    pub mrn: String,
    pub patient: String,
    pub birth_date: String,
    pub sex: String,
    pub kind: String,
    pub service: String,
    pub admit_at: String,
    pub discharge_at: Option<String>,
    pub discharge_disposition: Option<String>,
    pub attending_id: Option<i64>,
    pub attending: Option<String>,
    pub him_status: String,
    pub coding_status: String,
    pub coded_at: Option<String>,
}

/// The codes of an encounter in sequence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CodeList {
    pub principal: Option<DxEntry>,
    pub secondary: Vec<DxEntry>,
    pub procedures: Vec<PxEntry>,
}

impl CodeList {
    /// Principal first, then secondary diagnoses.
    pub fn diagnoses(&self) -> impl Iterator<Item = &DxEntry> {
        self.principal.iter().chain(self.secondary.iter())
    }

    /// The list as audit detail: `["K35.80:Y", …]` and procedures with date and flag.
    pub fn to_json(&self) -> serde_json::Value {
        let dx: Vec<String> = self
            .diagnoses()
            .map(|d| match d.poa {
                Some(p) => format!("{}:{p}", normalize_code(&d.code)),
                None => normalize_code(&d.code),
            })
            .collect();
        let px: Vec<serde_json::Value> = self
            .procedures
            .iter()
            .map(|p| json!({"code": normalize_code(&p.code), "date": p.date, "principal": p.principal}))
            .collect();
        json!({"diagnoses": dx, "procedures": px})
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok()
}

/// Read an encounter's header (bare read: the caller audits).
pub fn header(conn: &Reader, encounter_id: i64) -> Result<EncounterHeader, CoreError> {
    conn.query_row(
        "SELECT e.id, e.visit_number, p.mrn, p.family_name || ', ' || p.given_name, p.birth_date, p.sex, e.kind,
                e.service, e.admit_at, e.discharge_at, e.discharge_disposition, e.attending_id,
                (SELECT pr.family_name || ', ' || pr.given_name FROM providers pr WHERE pr.id = e.attending_id),
                e.him_status, e.coding_status, e.coded_at
         FROM encounters e JOIN patients p ON p.id = e.patient_id WHERE e.id = ?1",
        [encounter_id],
        |r| {
            Ok(EncounterHeader {
                id: r.get(0)?,
                visit_number: r.get(1)?,
                mrn: r.get(2)?,
                patient: r.get(3)?,
                birth_date: r.get(4)?,
                sex: r.get(5)?,
                kind: r.get(6)?,
                service: r.get(7)?,
                admit_at: r.get(8)?,
                discharge_at: r.get(9)?,
                discharge_disposition: r.get(10)?,
                attending_id: r.get(11)?,
                attending: r.get(12)?,
                him_status: r.get(13)?,
                coding_status: r.get(14)?,
                coded_at: r.get(15)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| CoreError::NotFound {
        what: "encounter",
        id: encounter_id.to_string(),
    })
}

/// One `encounter_codes` row: kind, code, POA, procedure date, principal flag.
type StoredCode = (String, String, Option<String>, Option<String>, bool);

/// The stored code list of an encounter (bare read).
pub fn read_codes(conn: &Reader, encounter_id: i64) -> Result<CodeList, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT kind, code, poa, procedure_date, principal FROM encounter_codes
         WHERE encounter_id = ?1 ORDER BY kind, sequence",
    )?;
    let rows: Vec<StoredCode> = st
        .query_map([encounter_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut list = CodeList::default();
    for (kind, code, poa, date, principal) in rows {
        match kind.as_str() {
            "dx" => {
                let e = DxEntry::new(&code, poa.as_deref().and_then(|p| p.chars().next()));
                if list.principal.is_none() {
                    list.principal = Some(e);
                } else {
                    list.secondary.push(e);
                }
            }
            "pcs" => list.procedures.push(PxEntry {
                code,
                date: date.as_deref().and_then(parse_date),
                principal,
            }),
            _ => {}
        }
    }
    Ok(list)
}

/// The edits' view of an encounter with a given code list: age at admission, sex, discharge
/// date (COD-01 picks the code set by it), length of stay.
pub fn edit_input(h: &EncounterHeader, codes: &CodeList) -> Result<EditInput, CoreError> {
    let field = |what: &str, v: &str| {
        parse_date(v).ok_or_else(|| {
            CoreError::invalid(
                format!("encounter {} {what}", h.visit_number),
                format!("unreadable date {v:?}"),
            )
        })
    };
    let admit = field("admit_at", &h.admit_at)?;
    let discharge = match &h.discharge_at {
        Some(d) => field("discharge_at", d)?,
        None => admit,
    };
    let birth = field("birth date", &h.birth_date)?;
    Ok(EditInput {
        age_years: admit.years_since(birth).map(i64::from).unwrap_or(0),
        sex: h.sex.chars().next().unwrap_or('U'),
        discharge,
        kind: EncounterKind::parse(&h.kind).unwrap_or(EncounterKind::Outpatient),
        los_days: Some((discharge - admit).num_days()),
        // A coded UB-04 status is checked (MCE 16); free text is not guessed at.
        discharge_status: h
            .discharge_disposition
            .clone()
            .filter(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit())),
        principal: codes.principal.clone(),
        secondary: codes.secondary.clone(),
        procedures: codes.procedures.clone(),
    })
}

/// Run every edit on an encounter with `codes` (reads code facts; pure otherwise).
pub fn edits_for(
    conn: &Reader,
    h: &EncounterHeader,
    codes: &CodeList,
) -> Result<Vec<Edit>, CoreError> {
    let input = edit_input(h, codes)?;
    let facts = load_facts(conn, &input)?;
    Ok(run_edits(&input, &facts))
}

/// The key a warning is acknowledged by: `ID@CODE`, or `ID` for an edit about no code.
pub fn ack_key(e: &Edit) -> String {
    match &e.code {
        Some(c) => format!("{}@{}", e.id, c),
        None => e.id.to_string(),
    }
}

/// Open deficiencies of an encounter (bare read).
pub fn open_deficiencies(
    conn: &Reader,
    encounter_id: i64,
) -> Result<Vec<OpenDeficiency>, CoreError> {
    let mut st = conn.prepare_cached(
        "SELECT id, kind, rule FROM deficiencies WHERE encounter_id = ?1
         AND status NOT IN ('completed','waived','void') ORDER BY id",
    )?;
    Ok(st
        .query_map([encounter_id], |r| {
            Ok(OpenDeficiency {
                id: r.get(0)?,
                kind: r.get(1)?,
                rule: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Who holds a live coding claim on the encounter, if anyone: (user id, user name). `now` is
/// a UTC instant as [`crate::clock::utc_ts`] writes it.
pub fn claim_holder(
    conn: &Reader,
    encounter_id: i64,
    now: &str,
) -> Result<Option<(i64, String)>, CoreError> {
    Ok(conn
        .query_row(
            "SELECT w.user_id, u.username FROM work_claims w JOIN users u ON u.id = w.user_id
             WHERE w.entity_type = ?1 AND w.entity_id = ?2 AND w.expires_at > ?3",
            params![CLAIM_ENTITY, encounter_id, now],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Refuse unless the actor holds the live claim (signed-in users; the command-line
/// administrator works without claims, but not over a coder's live claim).
fn require_claim(
    tx: &Tx<'_>,
    actor: &Actor,
    encounter_id: i64,
    now: &str,
) -> Result<(), CoreError> {
    let holder = claim_holder(tx, encounter_id, now)?;
    let Some(user_id) = actor.user_id else {
        // The command-line administrator needs no claim, but never codes over a coder's.
        return match holder {
            Some((_, name)) => Err(CoreError::invalid(
                "claim",
                format!(
                    "{name} is coding this encounter on the workbench; try again when the claim is released"
                ),
            )),
            None => Ok(()),
        };
    };
    match holder {
        Some((u, _)) if u == user_id => Ok(()),
        Some((_, name)) => Err(CoreError::invalid(
            "claim",
            format!("{name} is coding this encounter; two coders never code one encounter at once"),
        )),
        None => Err(CoreError::invalid(
            "claim",
            "claim the encounter first (your claim expired or was released)",
        )),
    }
}

fn open_queries(conn: &Reader, encounter_id: i64) -> Result<i64, CoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM coding_queries WHERE encounter_id = ?1 AND status = 'open'",
        [encounter_id],
        |r| r.get(0),
    )?)
}

fn statuses_workable(status: &str) -> bool {
    matches!(status, "ready" | "in_progress" | "on_hold_query")
}

/// Claim an encounter for coding for `claim_minutes`; renews the caller's own claim and
/// refuses another coder's live one. Opens a coding work-log row (throughput) when the caller
/// has none open on the encounter.
pub fn claim(store: &mut Store, actor: &Actor, encounter_id: i64) -> Result<(), CoreError> {
    let user_id = actor.user_id.ok_or_else(|| {
        CoreError::invalid("claim", "only a signed-in user can claim an encounter")
    })?;
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let minutes = settings::get_i64(store.conn(), crate::settings::Key::ClaimMinutes)?;
    let now_s = local_ts(local_now(store));
    // The claim's start and expiry are UTC instants (clock service): coders in other time
    // zones agree on whether it is live.
    let utc = store.now();
    let (claim_now, until) = (
        crate::clock::utc_ts(utc),
        crate::clock::utc_ts(utc + chrono::Duration::minutes(minutes)),
    );
    store.transact(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        if h.discharge_at.is_none() {
            return Err(CoreError::invalid("encounter", format!("{} is not discharged; nothing to code yet", h.visit_number)));
        }
        if let Some((_, name)) = claim_holder(tx, encounter_id, &claim_now)?.filter(|(u, _)| *u != user_id) {
            return Err(CoreError::invalid("claim", format!("{name} is coding {}; try again later", h.visit_number)));
        }
        tx.execute(
            "INSERT INTO work_claims(entity_type, entity_id, user_id, claimed_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(entity_type, entity_id) DO UPDATE SET user_id = excluded.user_id, claimed_at = excluded.claimed_at,
             expires_at = excluded.expires_at",
            params![CLAIM_ENTITY, encounter_id, user_id, claim_now, until],
        )?;
        let open: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM coding_work WHERE encounter_id = ?1 AND username = ?2 AND completed_at IS NULL)",
            params![encounter_id, actor.username],
            |r| r.get(0),
        )?;
        if !open && statuses_workable(&h.coding_status) {
            tx.execute(
                "INSERT INTO coding_work(encounter_id, user_id, username, encounter_kind, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![encounter_id, user_id, actor.username, h.kind, now_s],
            )?;
        }
        audit.record(
            Event::new(Action::Update, Subtype::Update, "work_claim", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .detail(json!({"claim": CLAIM_ENTITY, "claimed_until": until})),
        );
        Ok(())
    })
}

/// Release the caller's coding claim (on leaving the workbench).
pub fn release(store: &mut Store, actor: &Actor, encounter_id: i64) -> Result<(), CoreError> {
    let Some(user_id) = actor.user_id else {
        return Ok(());
    };
    store.transact(actor, |tx, audit| {
        let n = tx.execute(
            "DELETE FROM work_claims WHERE entity_type = ?1 AND entity_id = ?2 AND user_id = ?3",
            params![CLAIM_ENTITY, encounter_id, user_id],
        )?;
        audit.record(
            Event::new(Action::Delete, Subtype::Update, "work_claim", encounter_id)
                .encounter(encounter_id)
                .detail(json!({"claim": CLAIM_ENTITY, "released": n})),
        );
        Ok(())
    })
}

/// Check a code list before it is stored: syntax gates (DOMAIN §3.1), POA values (POA-01),
/// at most one principal procedure. Errors name the entry (`diagnosis 3`, `procedure 2`).
pub fn validate_list(list: &CodeList) -> Result<(), CoreError> {
    if list.principal.is_none() && !list.secondary.is_empty() {
        return Err(CoreError::invalid(
            "principal",
            "secondary diagnoses need a principal (first-listed) diagnosis (COD-10/COD-11)",
        ));
    }
    for (i, d) in list.diagnoses().enumerate() {
        let code = normalize_code(&d.code);
        if !cm_syntax_ok(&code) {
            return Err(CoreError::invalid(
                format!("diagnosis {}", i + 1),
                format!("{:?} is not an ICD-10-CM code (DOMAIN 3.1 syntax)", d.code),
            ));
        }
        if let Some(p) = d.poa
            && !matches!(p, 'Y' | 'N' | 'U' | 'W' | '1')
        {
            return Err(CoreError::invalid(
                format!("diagnosis {} ({code})", i + 1),
                format!("POA {p:?} is not one of Y, N, U, W, 1 (POA-01)"),
            ));
        }
    }
    for (i, p) in list.procedures.iter().enumerate() {
        let code = normalize_code(&p.code);
        if !pcs_syntax_ok(&code) {
            return Err(CoreError::invalid(
                format!("procedure {}", i + 1),
                format!("{:?} is not an ICD-10-PCS code (DOMAIN 3.1 syntax)", p.code),
            ));
        }
    }
    if list.procedures.iter().filter(|p| p.principal).count() > 1 {
        return Err(CoreError::invalid(
            "procedures",
            "only one procedure can be the principal procedure",
        ));
    }
    Ok(())
}

/// Procedure dates fall within the stay, admission day to discharge day.
fn check_procedure_dates(h: &EncounterHeader, list: &CodeList) -> Result<(), CoreError> {
    let admit = parse_date(&h.admit_at);
    let discharge = h.discharge_at.as_deref().and_then(parse_date);
    for (i, p) in list.procedures.iter().enumerate() {
        let Some(d) = p.date else { continue };
        let before = admit.is_some_and(|a| d < a);
        let after = discharge.is_some_and(|x| d > x);
        if before || after {
            return Err(CoreError::invalid(
                format!("procedure {} ({})", i + 1, normalize_code(&p.code)),
                format!(
                    "date {d} is outside the stay {} .. {}",
                    admit.map(|a| a.to_string()).unwrap_or_default(),
                    discharge
                        .map(|x| x.to_string())
                        .unwrap_or_else(|| "in house".into())
                ),
            ));
        }
    }
    Ok(())
}

/// Store the encounter's whole code list (one transaction, audited with the old and new
/// lists). The first save moves the encounter from `ready` to `in_progress`.
///
/// Returns the edits on the list as stored (run once, inside the transaction): callers show
/// these rather than running the edits again (issue #14).
pub fn save_codes(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    list: &CodeList,
) -> Result<Vec<Edit>, CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    validate_list(list)?;
    crate::limits::Limits::read(store.conn())?
        .check_codes(list.diagnoses().count() + list.procedures.len())?;
    let now = local_ts(local_now(store));
    // Claims expire in UTC (clock service).
    let claim_now = crate::clock::utc_ts(store.now());
    store.transact(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        if !statuses_workable(&h.coding_status) {
            return Err(CoreError::invalid(
                "coding_status",
                format!("{} is {}; reopen it with a reason before changing codes", h.visit_number, h.coding_status),
            ));
        }
        require_claim(tx, actor, encounter_id, &claim_now)?;
        check_procedure_dates(&h, list)?;
        let old = read_codes(tx, encounter_id)?;
        tx.execute("DELETE FROM encounter_codes WHERE encounter_id = ?1 AND kind IN ('dx','pcs')", [encounter_id])?;
        let mut ins = tx.prepare_cached(
            "INSERT INTO encounter_codes(encounter_id, kind, sequence, code, poa, procedure_date, assigned_by, assigned_at, principal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for (i, d) in list.diagnoses().enumerate() {
            let poa = d.poa.map(|c| c.to_string());
            ins.execute(params![encounter_id, "dx", i as i64 + 1, normalize_code(&d.code), poa, None::<String>, actor.username, now, i == 0])?;
        }
        for (i, p) in list.procedures.iter().enumerate() {
            let date = p.date.map(|d| d.format("%Y-%m-%d").to_string());
            ins.execute(params![encounter_id, "pcs", i as i64 + 1, normalize_code(&p.code), None::<String>, date, actor.username, now, p.principal])?;
        }
        drop(ins);
        // The edits run once a save, on the list as stored; the error edits hit are kept for
        // the edit rates and the edits are returned for the caller to show.
        let stored = read_codes(tx, encounter_id)?;
        let edits = edits_for(tx, &h, &stored)?;
        let errors: Vec<String> = edits
            .iter()
            .filter(|e| e.severity == Severity::Error)
            .map(ack_key)
            .collect();
        note_errors(tx, encounter_id, &actor.username, &errors)?;
        let status = if h.coding_status == "ready" { "in_progress" } else { h.coding_status.as_str() };
        if status != h.coding_status {
            tx.execute("UPDATE encounters SET coding_status = ?1 WHERE id = ?2", params![status, encounter_id])?;
        }
        audit.record(
            Event::new(Action::Update, Subtype::Update, "encounter_codes", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .purpose("HPAYMT")
                .detail(json!({"from": old.to_json(), "to": list.to_json(), "error_edits": errors,
                               "coding_status": {"from": h.coding_status, "to": status}})),
        );
        Ok(edits)
    })
}

/// Add error edit keys to the caller's open work-log row (distinct keys; no row: nothing).
fn note_errors(
    tx: &Tx<'_>,
    encounter_id: i64,
    username: &str,
    errors: &[String],
) -> Result<(), CoreError> {
    if errors.is_empty() {
        return Ok(());
    }
    let row: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, errors_seen FROM coding_work WHERE encounter_id = ?1 AND username = ?2 AND completed_at IS NULL",
            params![encounter_id, username],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, seen)) = row else { return Ok(()) };
    let mut seen: Vec<String> = serde_json::from_str(&seen).unwrap_or_default();
    for e in errors {
        if !seen.contains(e) {
            seen.push(e.clone());
        }
    }
    tx.execute(
        "UPDATE coding_work SET errors_seen = ?1, error_edits = ?2 WHERE id = ?3",
        params![
            serde_json::to_string(&seen).unwrap_or_else(|_| "[]".into()),
            seen.len() as i64,
            id
        ],
    )?;
    Ok(())
}

/// What completion found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompleteOutcome {
    pub edits: Vec<Edit>,
    pub acknowledged: Vec<String>,
}

/// Why completion was refused, for screens that show the firing edit ids.
pub fn blocking_edits(edits: &[Edit], acknowledged: &[String]) -> (Vec<String>, Vec<String>) {
    let errors = edits
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .map(ack_key)
        .collect();
    let unacked = edits
        .iter()
        .filter(|e| e.severity == Severity::Warning)
        .map(ack_key)
        .filter(|k| {
            let id = k.split('@').next().unwrap_or(k);
            !acknowledged.iter().any(|a| a == k || a == id)
        })
        .collect();
    (errors, unacked)
}

/// Complete coding: run every edit on the stored codes against the code set in force at
/// discharge (COD-01); refuse on any error edit or unacknowledged warning, on a documentation
/// hold (COD-20; a supervisor may pass `override_reason`) or an open query (COD-21). Audited
/// with the full code list, the edits and the acknowledged warnings; status → `coded`.
pub fn complete(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    acknowledged: &[String],
    override_reason: Option<&str>,
) -> Result<CompleteOutcome, CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let policy = policy_in_force(store.conn())?;
    let now = local_ts(local_now(store));
    let claim_now = crate::clock::utc_ts(store.now());
    let supervisor = actor.has_role() == Some(Role::Supervisor) || actor.user_id.is_none();
    store.transact(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        match h.coding_status.as_str() {
            "ready" | "in_progress" => {}
            // COD-21: an open query holds the encounter. A status left on hold with no open
            // query (e.g. migrated data) does not block.
            "on_hold_query" if open_queries(tx, encounter_id)? > 0 => {
                return Err(CoreError::invalid("coding_status", format!(
                    "COD-21: {} is on hold for an open documentation query; it completes after the answer", h.visit_number)));
            }
            "on_hold_query" => {}
            other => {
                return Err(CoreError::invalid("coding_status", format!("{} is {other}; only ready or in-progress encounters complete", h.visit_number)));
            }
        }
        require_claim(tx, actor, encounter_id, &claim_now)?;
        let reasons = hold_reasons(policy, &open_deficiencies(tx, encounter_id)?);
        let overridden = match (reasons.is_empty(), override_reason.map(str::trim)) {
            (true, _) => None,
            (false, Some(r)) if supervisor && r.chars().count() >= MIN_REASON_CHARS => Some(r.to_string()),
            (false, Some(_)) if supervisor => {
                return Err(CoreError::invalid("override reason", format!("give at least {MIN_REASON_CHARS} characters")));
            }
            (false, _) => {
                let who = if supervisor { "" } else { " (a supervisor may override with a reason)" };
                return Err(CoreError::invalid("hold", format!("{}{who}", describe_hold(&reasons))));
            }
        };
        let codes = read_codes(tx, encounter_id)?;
        if codes.principal.is_none() {
            return Err(CoreError::invalid("principal", "no principal diagnosis; add one before completing (COD-10)"));
        }
        let edits = edits_for(tx, &h, &codes)?;
        let (errors, unacked) = blocking_edits(&edits, acknowledged);
        if !errors.is_empty() {
            return Err(CoreError::invalid("edits", format!("blocked by error edits {}; fix the codes", errors.join(", "))));
        }
        if !unacked.is_empty() {
            return Err(CoreError::invalid("edits", format!("acknowledge the warnings {} first", unacked.join(", "))));
        }
        let acked: Vec<String> = edits.iter().map(ack_key).collect();
        tx.execute("UPDATE encounters SET coding_status = 'coded', coded_at = ?1 WHERE id = ?2", params![now, encounter_id])?;
        let work = tx.execute(
            "UPDATE coding_work SET completed_at = ?1, edits_fired = ?2, edits_acknowledged = ?3, acknowledged = ?4
             WHERE encounter_id = ?5 AND username = ?6 AND completed_at IS NULL",
            params![now, edits.len() as i64, acked.len() as i64, serde_json::to_string(&acked).unwrap_or_default(), encounter_id, actor.username],
        )?;
        if work == 0 {
            tx.execute(
                "INSERT INTO coding_work(encounter_id, user_id, username, encounter_kind, started_at, completed_at, edits_fired, edits_acknowledged, acknowledged)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)",
                params![encounter_id, actor.user_id, actor.username, h.kind, now, edits.len() as i64, acked.len() as i64,
                        serde_json::to_string(&acked).unwrap_or_default()],
            )?;
        }
        tx.execute(
            "DELETE FROM work_claims WHERE entity_type = ?1 AND entity_id = ?2",
            params![CLAIM_ENTITY, encounter_id],
        )?;
        let mut e = Event::new(Action::Update, Subtype::Update, "coding", encounter_id)
            .patient(&h.mrn)
            .encounter(encounter_id)
            .purpose("HPAYMT")
            .detail(json!({"completed": true, "codes": codes.to_json(), "edits": edits, "acknowledged": acked,
                           "hold_policy": policy.as_str(), "hold_overridden": reasons,
                           "coding_status": {"from": h.coding_status, "to": "coded"}}));
        if let Some(r) = overridden {
            e = e.reason(format!("COD-20 override: {r}"));
        }
        audit.record(e);
        Ok(CompleteOutcome { edits, acknowledged: acked })
    })
}

/// Reopen a coded encounter (coder or supervisor) with a reason of at least
/// `MIN_REASON_CHARS` characters; status → `in_progress`, audited with the reason.
pub fn reopen(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    reason: &str,
) -> Result<(), CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    let reason = reason.trim();
    if reason.chars().count() < MIN_REASON_CHARS {
        return Err(CoreError::invalid(
            "reason",
            format!("reopening needs a reason of at least {MIN_REASON_CHARS} characters"),
        ));
    }
    store.transact(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        if h.coding_status != "coded" {
            return Err(CoreError::invalid(
                "coding_status",
                format!(
                    "{} is {}; only a coded encounter reopens",
                    h.visit_number, h.coding_status
                ),
            ));
        }
        tx.execute(
            "UPDATE encounters SET coding_status = 'in_progress', coded_at = NULL WHERE id = ?1",
            [encounter_id],
        )?;
        audit.record(
            Event::new(Action::Update, Subtype::Update, "coding", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .purpose("HPAYMT")
                .reason(reason)
                .detail(
                    json!({"reopened": true, "codes": read_codes(tx, encounter_id)?.to_json(),
                               "coding_status": {"from": "coded", "to": "in_progress"}}),
                ),
        );
        Ok(())
    })
}

mod open;
pub use open::{code_titles, hold_of, open};
