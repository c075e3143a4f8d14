//! Demo states for the HIM desk of issue #13, with everything behind them: consultation
//! orders (one reported, one not → MISS_CONSULT on the consultant), a resident's note that
//! needs the supervising physician's cosignature (COSIGN), a late note on a coded chart
//! (coding and analysis re-review flags), and a compliant template query to a consultant.
//! Sensitive documents come from [`super::roi::seed`]. Deterministic: charts are picked by id.
//! One audited transaction for the rows (plus the query, sent through the query desk).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::json;

use crate::audit::{Action, Actor, Event, Subtype};
use crate::deficiency::ops::{analyze_in_tx, local_now, local_ts, rules_in_force};
use crate::error::CoreError;
use crate::store::Store;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeskSeed {
    pub consult_orders: usize,
    pub cosign_notes: usize,
    pub rereview_flags: usize,
    pub queries: usize,
}

/// Seed the desk states on an analysed demo database (after `roi::seed`), or after `gen`
/// (the query needs the demo coder and is skipped without it). Idempotent per database.
pub fn seed(store: &mut Store, system: &Actor) -> Result<DeskSeed, CoreError> {
    let conn = store.conn();
    // Once per database: a second generator run does not seed again.
    let seeded: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE source = 'chartdesk-demo')",
        [],
        |r| r.get(0),
    )?;
    if seeded {
        return Ok(DeskSeed::default());
    }
    // Analysed inpatient stays with an attending, oldest ids first.
    let stays: Vec<(i64, i64, String, String)> = {
        let mut st = conn.prepare(
            "SELECT id, attending_id, admit_at, discharge_at FROM encounters
             WHERE kind = 'inpatient' AND discharge_at IS NOT NULL AND attending_id IS NOT NULL
               AND him_status IN ('incomplete','doc_complete') ORDER BY id LIMIT 4",
        )?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?
    };
    let consultant: Option<i64> = conn
        .query_row(
            "SELECT id FROM providers WHERE kind = 'physician' AND active = 1 ORDER BY id LIMIT 1 OFFSET 3",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let resident: Option<(i64, i64)> = conn
        .query_row(
            "SELECT id, supervisor_id FROM providers WHERE kind = 'resident' AND supervisor_id IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let coded: Option<(i64, Option<i64>, String)> = conn
        .query_row(
            "SELECT id, attending_id, discharge_at FROM encounters WHERE coding_status IN ('coded','final_billed')
               AND analyzed_at IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (Some(consultant), [a, b, c, ..]) = (consultant, stays.as_slice()) else {
        return Ok(DeskSeed::default());
    };
    let rules = rules_in_force(conn)?;
    let days = crate::settings::get_i64(conn, crate::settings::Key::DeficiencyDelinquentDays)?;
    let now = local_now(store);
    let mut out = DeskSeed::default();
    let at = |s: &str, hours: i64| {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .map(|t| local_ts(t + chrono::Duration::hours(hours)))
            .unwrap_or_else(|_| s.to_string())
    };
    store.transact(system, |tx, audit| {
        // Consultation ordered on A (no report) and on B (reported by the consultant).
        for (enc, reported) in [(a, false), (b, true)] {
            let ordered = at(&enc.2, 4);
            tx.execute(
                "INSERT INTO orders(encounter_id, kind, code, description, ordered_at, orderer_id, performer_id, status, source, source_key)
                 VALUES (?1, 'consult', '11429006', 'Consultation', ?2, ?3, ?4, 'active', 'chartdesk-demo', ?5)
                 ON CONFLICT(source_key) DO NOTHING",
                params![enc.0, ordered, enc.1, consultant, format!("demo:order:{}", enc.0)],
            )?;
            out.consult_orders += 1;
            if reported {
                tx.execute(
                    "INSERT INTO documents(encounter_id, doc_type, title, author_id, status, service_at, signed_at, body, source)
                     VALUES (?1, '11488-4', 'Consultation note', ?2, 'signed', ?3, ?3, ?4, 'chartdesk-demo')",
                    params![enc.0, consultant, at(&enc.2, 8),
                            "REASON FOR CONSULTATION: evaluation requested by the attending.\nASSESSMENT: see recommendations.\nRECOMMENDATIONS: continue current management; will follow."],
                )?;
            }
        }
        // A resident's progress note on C awaiting the supervising physician's cosignature.
        if let Some((res, sup)) = resident {
            tx.execute(
                "INSERT INTO documents(encounter_id, doc_type, title, author_id, cosigner_id, status, service_at, signed_at, body, source)
                 VALUES (?1, '11506-3', 'Progress note (resident)', ?2, ?3, 'signed', ?4, ?4, ?5, 'chartdesk-demo')",
                params![c.0, res, sup, at(&c.2, 20),
                        "SUBJECTIVE: feels better.\nOBJECTIVE: afebrile, stable.\nASSESSMENT/PLAN: continue; discussed with attending."],
            )?;
            out.cosign_notes += 1;
        }
        for enc in [a.0, b.0, c.0] {
            analyze_in_tx(tx, audit, &rules, enc, now, days, "demo desk states")?;
        }
        // A late note on a coded chart: coding (and analysis) re-review.
        if let Some((enc, author, discharged)) = &coded {
            tx.execute(
                "INSERT INTO documents(encounter_id, doc_type, title, author_id, status, service_at, signed_at, body, source)
                 VALUES (?1, '11506-3', 'Late progress note (addendum)', ?2, 'signed', ?3, ?3, ?4, 'chartdesk-demo')",
                params![enc, author, discharged, "ADDENDUM: hemoglobin 7.9 on the day of discharge; transfused one unit."],
            )?;
            let doc = tx.last_insert_rowid();
            crate::import::hooks::flag_rereview(tx, audit, *enc, doc, true, now)?;
            out.rereview_flags = tx.query_row("SELECT count(*) FROM rereview_flags", [], |r| r.get::<_, i64>(0))? as usize;
        }
        audit.record(
            Event::new(Action::Create, Subtype::Create, "dataset", "demo-desk")
                .detail(json!({"consult_orders": out.consult_orders, "cosign_notes": out.cosign_notes,
                               "rereview_flags": out.rereview_flags, "encounters": [a.0, b.0, c.0]})),
        );
        Ok::<_, CoreError>(())
    })?;
    // A compliant template query from the demo coder to the consultant on B, when B is
    // being coded.
    let coder = store
        .conn()
        .query_row(
            "SELECT id, username FROM users WHERE username = 'coder'",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    let b_status: String = store.conn().query_row(
        "SELECT coding_status FROM encounters WHERE id = ?1",
        [b.0],
        |r| r.get(0),
    )?;
    if let Some((id, name)) = coder
        && matches!(b_status.as_str(), "ready" | "in_progress")
    {
        let actor = Actor::user(id, &name, crate::domain::Role::Coder);
        crate::coding::query_desk::send_from_template(
            store,
            &actor,
            b.0,
            "ANEMIA_TYPE",
            consultant,
            "Hemoglobin 8.1 g/dL on day 2 (baseline 12.4); one unit transfused.",
        )?;
        out.queries += 1;
    }
    Ok(out)
}
