//! Required-documentation rules (DOMAIN §2.1) as pure functions over plain facts.
//!
//! Invariants:
//! - `analyze` is pure: the same facts and rule set give the same findings, in the same order.
//! - Each finding carries the rule id it comes from and a `slot` that, with the encounter and
//!   deficiency kind, is its idempotency key (DEF-01): a document id for document-bound
//!   findings, a named slot (`hp`, `ds`, `pn:2026-11-02`…) for missing documents.
//! - Times are facility-local naive date-times; days are calendar days.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::{DocStatus, EncounterKind};

pub const LOINC_HP: &str = "34117-2";
pub const LOINC_DS: &str = "18842-5";
pub const LOINC_OP: &str = "11504-8";
pub const LOINC_PN: &str = "11506-3";
pub const LOINC_CONSULT: &str = "11488-4";
pub const LOINC_ED: &str = "34111-5";
pub const LOINC_PROC: &str = "28570-0";
pub const LOINC_CONSENT: &str = "59284-0";
pub const LOINC_ORDERS: &str = "46209-3";

/// Who a finding is assigned to (DOMAIN §2.2, in parentheses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Assignee {
    Attending,
    Author,
    Cosigner,
}

/// One thing the rules found missing or wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub kind: &'static str,
    pub slot: String,
    pub document_id: Option<i64>,
    pub assignee: Assignee,
    /// The provider the assignee resolves to, when known.
    pub provider_id: Option<i64>,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncounterFacts {
    pub id: i64,
    pub kind: EncounterKind,
    pub service: String,
    pub admit_at: NaiveDateTime,
    pub discharge_at: Option<NaiveDateTime>,
    pub attending_id: Option<i64>,
    /// Procedures known from import (clinical facts) — makes a stay surgical.
    pub procedure_count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocFacts {
    pub id: i64,
    pub doc_type: String,
    pub title: String,
    pub author_id: Option<i64>,
    pub cosigner_id: Option<i64>,
    pub status: DocStatus,
    pub service_at: NaiveDateTime,
    pub signed_at: Option<NaiveDateTime>,
    pub cosigned_at: Option<NaiveDateTime>,
    pub body_len: usize,
}

/// The rule set in force (defaults from DOMAIN.md; editable settings).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// REQ-HP window: days before admission an H&P may be dated.
    pub hp_days_before: i64,
    /// REQ-HP window: hours after admission an H&P may be dated.
    pub hp_hours_after: i64,
    /// REQ-DS: stays shorter than this may close with a final progress note instead.
    pub ds_short_stay_hours: i64,
    /// REQ-OP: hours after surgery by which the op report is due.
    pub op_report_due_hours: i64,
    /// REQ-ORD: hours within which verbal orders must be authenticated.
    pub verbal_order_auth_hours: i64,
    /// REQ-PN: a progress note per inpatient/observation day.
    pub progress_note_daily: bool,
    /// Services whose stays are surgical even when no procedure was imported.
    pub surgical_services: Vec<String>,
    /// Rule ids in force per encounter kind (`inpatient`, `observation`, …): the matrix of
    /// DOMAIN §2.1 as data. A kind missing from the map runs every rule that applies to it.
    pub enabled: std::collections::BTreeMap<String, Vec<String>>,
}

impl RuleSet {
    pub fn is_enabled(&self, kind: EncounterKind, rule: &str) -> bool {
        self.enabled
            .get(kind.as_str())
            .is_none_or(|rules| rules.iter().any(|r| r == rule))
    }
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet {
            hp_days_before: 30,
            hp_hours_after: 24,
            ds_short_stay_hours: 48,
            op_report_due_hours: 24,
            verbal_order_auth_hours: 48,
            progress_note_daily: true,
            surgical_services: [
                "Surgery",
                "General Surgery",
                "Orthopedics",
                "Cardiothoracic Surgery",
                "Neurosurgery",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            enabled: [
                (
                    "inpatient",
                    &[
                        "REQ-HP",
                        "REQ-HPU",
                        "REQ-DS",
                        "REQ-OP",
                        "REQ-CONSENT",
                        "REQ-ORD",
                        "REQ-PN",
                        "AUTH-SIGN",
                        "AUTH-COSIGN",
                    ][..],
                ),
                (
                    "observation",
                    &["REQ-PN", "REQ-VISIT", "REQ-ORD", "AUTH-SIGN", "AUTH-COSIGN"][..],
                ),
                (
                    "emergency",
                    &["REQ-VISIT", "REQ-ORD", "AUTH-SIGN", "AUTH-COSIGN"][..],
                ),
                (
                    "outpatient",
                    &["REQ-VISIT", "REQ-ORD", "AUTH-SIGN", "AUTH-COSIGN"][..],
                ),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect(),
        }
    }
}

fn live(docs: &[DocFacts]) -> impl Iterator<Item = &DocFacts> {
    docs.iter()
        .filter(|d| d.status != DocStatus::EnteredInError)
}

fn of_type<'a>(docs: &'a [DocFacts], loinc: &'a str) -> impl Iterator<Item = &'a DocFacts> {
    live(docs).filter(move |d| d.doc_type == loinc)
}

impl EncounterFacts {
    fn is_surgical(&self, docs: &[DocFacts], rules: &RuleSet) -> bool {
        self.procedure_count > 0
            || of_type(docs, LOINC_OP).next().is_some()
            || rules
                .surgical_services
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&self.service))
    }
}

/// Run every rule for a discharged encounter. Findings come in rule order.
pub fn analyze(enc: &EncounterFacts, docs: &[DocFacts], rules: &RuleSet) -> Vec<Finding> {
    let mut out = Vec::new();
    let attending = |rule, kind, slot: &str, message: String| Finding {
        rule,
        kind,
        slot: slot.to_string(),
        document_id: None,
        assignee: Assignee::Attending,
        provider_id: enc.attending_id,
        message,
    };
    let inpatient = enc.kind == EncounterKind::Inpatient;
    let surgical = inpatient && enc.is_surgical(docs, rules);
    let first_op = of_type(docs, LOINC_OP).map(|d| d.service_at).min();

    // REQ-HP / REQ-HPU
    if inpatient {
        let lo = enc.admit_at - Duration::days(rules.hp_days_before);
        let hi = enc.admit_at + Duration::hours(rules.hp_hours_after);
        let hps: Vec<&DocFacts> = of_type(docs, LOINC_HP).collect();
        match hps.iter().min_by_key(|d| d.service_at) {
            None => out.push(attending(
                "REQ-HP",
                "MISS_HP",
                "hp",
                format!("REQ-HP: no history and physical (required within {}d before to {}h after admission)", rules.hp_days_before, rules.hp_hours_after),
            )),
            Some(hp) => {
                let in_window = hps.iter().any(|d| d.service_at >= lo && d.service_at <= hi);
                if !in_window {
                    out.push(Finding {
                        document_id: Some(hp.id),
                        ..attending("REQ-HP", "HP_TIMING", "hp", format!("REQ-HP: H&P dated {} is outside the window {} .. {}", hp.service_at, lo, hi))
                    });
                } else if let Some(op) = first_op.filter(|op| !hps.iter().any(|d| d.service_at < *op)) {
                    out.push(Finding {
                        document_id: Some(hp.id),
                        ..attending("REQ-HP", "HP_TIMING", "hp", format!("REQ-HP: no H&P before the procedure at {op} (482.51(b)(1))"))
                    });
                }
                // REQ-HPU: an H&P dated before admission needs an update within 24h after it.
                if hps.iter().all(|d| d.service_at < enc.admit_at) && in_window {
                    let updated = live(docs).any(|d| {
                        (d.doc_type == LOINC_HP || d.doc_type == LOINC_PN)
                            && d.service_at >= enc.admit_at
                            && d.service_at <= hi
                            && (d.doc_type == LOINC_HP || d.title.to_lowercase().contains("update"))
                    });
                    if !updated {
                        out.push(attending(
                            "REQ-HPU",
                            "HP_UPDATE",
                            "hp_update",
                            "REQ-HPU: H&P predates admission; no update note within 24h after admission".into(),
                        ));
                    }
                }
            }
        }
    }

    // REQ-DS
    if inpatient && of_type(docs, LOINC_DS).next().is_none() {
        let short = enc
            .discharge_at
            .is_some_and(|d| d - enc.admit_at < Duration::hours(rules.ds_short_stay_hours));
        let final_note = enc
            .discharge_at
            .is_some_and(|dis| of_type(docs, LOINC_PN).any(|d| d.service_at.date() == dis.date()));
        if !(short && final_note) {
            out.push(attending(
                "REQ-DS",
                "MISS_DS",
                "ds",
                "REQ-DS: no discharge summary (482.24(c)(4)(vii))".into(),
            ));
        }
    }

    // REQ-OP / REQ-CONSENT
    if surgical {
        let ops: Vec<&DocFacts> = of_type(docs, LOINC_OP).collect();
        if ops.is_empty() {
            out.push(attending(
                "REQ-OP",
                "MISS_OP",
                "op",
                "REQ-OP: surgical stay without an operative report (482.51(b)(6))".into(),
            ));
        }
        for op in &ops {
            let due = op.service_at + Duration::hours(rules.op_report_due_hours);
            if let Some(signed) = op.signed_at.filter(|s| *s > due) {
                out.push(Finding {
                    rule: "REQ-OP",
                    kind: "LATE_OP",
                    slot: op.id.to_string(),
                    document_id: Some(op.id),
                    assignee: Assignee::Author,
                    provider_id: op.author_id,
                    message: format!("REQ-OP: operative report authenticated {signed}, after the {}h limit ({due})", rules.op_report_due_hours),
                });
            }
        }
        let consent_before = match first_op {
            Some(op) => of_type(docs, LOINC_CONSENT).any(|c| c.service_at <= op),
            None => of_type(docs, LOINC_CONSENT).next().is_some(),
        };
        if !consent_before {
            out.push(attending(
                "REQ-CONSENT",
                "MISS_CONSENT",
                "consent",
                "REQ-CONSENT: no informed consent executed before the procedure (482.51(b)(2))"
                    .into(),
            ));
        }
    }

    // REQ-PN: one progress note per full day between admission day and discharge day.
    if rules.progress_note_daily
        && matches!(
            enc.kind,
            EncounterKind::Inpatient | EncounterKind::Observation
        )
        && let Some(dis) = enc.discharge_at
    {
        let mut day = enc.admit_at.date().succ_opt();
        while let Some(d) = day.filter(|d| *d < dis.date()) {
            let covered = live(docs).any(|x| {
                (x.doc_type == LOINC_PN || x.doc_type == LOINC_CONSULT || x.doc_type == LOINC_OP)
                    && x.service_at.date() == d
            });
            if !covered {
                out.push(attending(
                    "REQ-PN",
                    "MISS_PN",
                    &format!("pn:{d}"),
                    format!("REQ-PN: no progress note on {d}"),
                ));
            }
            day = d.succ_opt();
        }
    }

    // REQ-VISIT: ED, outpatient and observation need a provider note.
    if !inpatient {
        let note_types: &[&str] = match enc.kind {
            EncounterKind::Emergency => &[LOINC_ED],
            EncounterKind::Observation => &[LOINC_HP, LOINC_PN, LOINC_DS],
            _ => &[LOINC_PROC, LOINC_PN, LOINC_CONSULT, LOINC_ED, LOINC_HP],
        };
        if !live(docs).any(|d| note_types.contains(&d.doc_type.as_str())) {
            out.push(attending(
                "REQ-VISIT",
                "MISS_NOTE",
                "visit_note",
                format!("REQ-VISIT: no provider note for the {} visit", enc.kind),
            ));
        }
    }

    // Authentication: every document signed; cosign where a supervisor is named; orders in time.
    for d in live(docs) {
        let author = |rule, kind, message: String| Finding {
            rule,
            kind,
            slot: d.id.to_string(),
            document_id: Some(d.id),
            assignee: Assignee::Author,
            provider_id: d.author_id,
            message,
        };
        if !d.status.is_signed() {
            let (kind, what) = match d.status {
                DocStatus::Incomplete if d.body_len == 0 => ("NEEDS_DICT", "not yet dictated"),
                DocStatus::Dictated => ("NEEDS_TRANS", "dictated, awaiting transcription"),
                _ => ("UNSIGNED", "not signed by its author"),
            };
            let rule = if d.doc_type == LOINC_ORDERS {
                "REQ-ORD"
            } else {
                "AUTH-SIGN"
            };
            let kind = if d.doc_type == LOINC_ORDERS {
                "ORD_UNSIGNED"
            } else {
                kind
            };
            out.push(author(
                rule,
                kind,
                format!(
                    "{rule}: {} {} is {what} (482.24(c)(1))",
                    crate::domain::doc_type_name(&d.doc_type),
                    d.id
                ),
            ));
        } else if d.doc_type == LOINC_ORDERS
            && let Some(s) = d
                .signed_at
                .filter(|s| *s > d.service_at + Duration::hours(rules.verbal_order_auth_hours))
        {
            out.push(author(
                "REQ-ORD",
                "ORD_UNSIGNED",
                format!(
                    "REQ-ORD: order authenticated {s}, after {}h",
                    rules.verbal_order_auth_hours
                ),
            ));
        }
        if d.status.is_signed()
            && d.cosigner_id.is_some()
            && d.cosigned_at.is_none()
            && d.status != DocStatus::Cosigned
        {
            out.push(Finding {
                rule: "AUTH-COSIGN",
                kind: "COSIGN",
                slot: d.id.to_string(),
                document_id: Some(d.id),
                assignee: Assignee::Cosigner,
                provider_id: d.cosigner_id,
                message: format!(
                    "AUTH-COSIGN: {} {} needs the supervising physician's cosignature",
                    crate::domain::doc_type_name(&d.doc_type),
                    d.id
                ),
            });
        }
    }
    out.retain(|f| rules.is_enabled(enc.kind, f.rule));
    out
}
