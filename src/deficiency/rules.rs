//! Required-documentation rules (DOMAIN §2.1) as pure functions over plain facts.
//!
//! Invariants:
//! - `analyze` is pure: the same facts and rule set give the same findings, in the same order.
//! - Each finding carries the rule id it comes from and a `slot` that, with the encounter and
//!   deficiency kind, is its idempotency key (DEF-01): a document id for document-bound
//!   findings, a named slot (`hp`, `ds`, `pn:2026-11-02`…) for missing documents.
//! - Times are facility-local naive date-times; days are calendar days.

use chrono::{Duration, NaiveDate, NaiveDateTime};
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
    /// The consultant named on a consultation order (REQ-CONSULT).
    Consultant,
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
    /// Operating-room procedures performed (FHIR `Procedure.category` surgical, the facility
    /// O.R. list, or an ICD-10-PCS code the MS-DRG tables flag O.R.): makes a stay surgical.
    /// Nursing care, exams, ECGs or oxygen never do.
    pub or_procedure_count: usize,
    /// Consultation orders of the stay (REQ-CONSULT).
    pub consult_orders: Vec<ConsultOrder>,
    /// Where the patient went (`discharge_disposition`): an ED visit's note records it
    /// (REQ-VISIT "ED: with disposition").
    pub disposition: Option<String>,
}

/// An ordered consultation (FHIR ServiceRequest, HL7 ORM/OMG, demo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultOrder {
    pub order_id: i64,
    pub ordered_at: NaiveDateTime,
    /// The consultant asked, when the order names one.
    pub performer_id: Option<i64>,
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
    /// Replaced by a later version (FHIR `superseded`, or the target of `relatesTo`
    /// replaces): never chased for signatures and not counted as documentation.
    pub superseded: bool,
    /// For a discharge summary with text: a final-diagnosis section with content (REQ-FDX).
    pub has_final_dx: bool,
}

/// REQ-PN policy: one MISS_PN per chart listing the missing days, or one per day up to a cap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PnPolicy {
    #[default]
    PerChart,
    PerDay,
}

fn default_pn_cap() -> usize {
    14
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
    /// REQ-PN policy (setting `progress_note_policy`).
    #[serde(default)]
    pub progress_note_policy: PnPolicy,
    /// REQ-PN per-day cap (setting `progress_note_day_cap`).
    #[serde(default = "default_pn_cap")]
    pub progress_note_day_cap: usize,
    /// Go-live date (setting `analysis_cutover_date`): discharges before it are history and
    /// are not analysed (ops applies this; the rules themselves never look at it).
    #[serde(default, skip_serializing)]
    pub cutover: Option<NaiveDate>,
    /// The facility O.R. procedure list (setting `or_procedure_codes`; ops applies it).
    #[serde(default, skip_serializing)]
    pub or_procedure_codes: Vec<String>,
    /// Plausibility limits (settings; ops applies them before analysis).
    #[serde(skip)]
    pub limits: super::plausibility::Limits,
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
            progress_note_policy: PnPolicy::PerChart,
            progress_note_day_cap: default_pn_cap(),
            cutover: None,
            or_procedure_codes: Vec::new(),
            limits: super::plausibility::Limits::default(),
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
                        "REQ-CONSULT",
                        "REQ-FDX",
                        "AUTH-SIGN",
                        "AUTH-COSIGN",
                    ][..],
                ),
                (
                    "observation",
                    &[
                        "REQ-PN",
                        "REQ-VISIT",
                        "REQ-ORD",
                        "REQ-CONSULT",
                        "AUTH-SIGN",
                        "AUTH-COSIGN",
                    ][..],
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
        .filter(|d| d.status != DocStatus::EnteredInError && !d.superseded)
}

fn of_type<'a>(docs: &'a [DocFacts], loinc: &'a str) -> impl Iterator<Item = &'a DocFacts> {
    live(docs).filter(move |d| d.doc_type == loinc)
}

impl EncounterFacts {
    fn is_surgical(&self, docs: &[DocFacts], rules: &RuleSet) -> bool {
        self.or_procedure_count > 0
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

    // REQ-PN: one progress note per full day between admission day and discharge day; per
    // facility policy one MISS_PN per chart naming the days, or one per day up to a cap.
    if rules.progress_note_daily
        && matches!(
            enc.kind,
            EncounterKind::Inpatient | EncounterKind::Observation
        )
        && let Some(dis) = enc.discharge_at
    {
        let mut missing = Vec::new();
        let mut day = enc.admit_at.date().succ_opt();
        while let Some(d) = day.filter(|d| *d < dis.date()) {
            let covered = live(docs).any(|x| {
                (x.doc_type == LOINC_PN || x.doc_type == LOINC_CONSULT || x.doc_type == LOINC_OP)
                    && x.service_at.date() == d
            });
            if !covered {
                missing.push(d);
            }
            day = d.succ_opt();
        }
        match rules.progress_note_policy {
            PnPolicy::PerChart if !missing.is_empty() => out.push(attending(
                "REQ-PN",
                "MISS_PN",
                "pn",
                format!(
                    "REQ-PN: no progress note on {} day(s): {}",
                    missing.len(),
                    compact_days(&missing)
                ),
            )),
            PnPolicy::PerChart => {}
            PnPolicy::PerDay => {
                let cap = rules.progress_note_day_cap.max(1);
                for (i, d) in missing.iter().enumerate().take(cap) {
                    let rest = &missing[i + 1..];
                    let message = if i + 1 == cap && !rest.is_empty() {
                        format!(
                            "REQ-PN: no progress note on {d}; {} more day(s) past the cap of {cap}: {}",
                            rest.len(),
                            compact_days(rest)
                        )
                    } else {
                        format!("REQ-PN: no progress note on {d}")
                    };
                    out.push(attending("REQ-PN", "MISS_PN", &format!("pn:{d}"), message));
                }
            }
        }
    }

    // REQ-CONSULT: each ordered consultation needs its report, from the consultant named.
    for o in &enc.consult_orders {
        let reported = of_type(docs, LOINC_CONSULT).any(|d| {
            d.service_at >= o.ordered_at - Duration::hours(1)
                && (o.performer_id.is_none() || d.author_id == o.performer_id)
        });
        if !reported {
            out.push(Finding {
                rule: "REQ-CONSULT",
                kind: "MISS_CONSULT",
                slot: format!("consult:{}", o.order_id),
                document_id: None,
                assignee: Assignee::Consultant,
                provider_id: o.performer_id.or(enc.attending_id),
                message: format!(
                    "REQ-CONSULT: consultation ordered {} (order {}) has no consult report (482.24(c)(4)(iii))",
                    o.ordered_at, o.order_id
                ),
            });
        }
    }

    // REQ-FDX: an inpatient discharge summary with text must document the final diagnosis.
    if inpatient {
        for d in of_type(docs, LOINC_DS).filter(|d| d.body_len > 0 && !d.has_final_dx) {
            out.push(Finding {
                rule: "REQ-FDX",
                kind: "INCOMPLETE_CONTENT",
                slot: format!("fdx:{}", d.id),
                document_id: Some(d.id),
                assignee: Assignee::Author,
                provider_id: d.author_id,
                message: format!(
                    "REQ-FDX: discharge summary {} has no final diagnosis (482.24(c)(4)(viii))",
                    d.id
                ),
            });
        }
    }

    // REQ-VISIT: ED, outpatient and observation need a provider note.
    if !inpatient {
        let note_types: &[&str] = match enc.kind {
            // Any signed provider note satisfies an ED visit, not only the ED note type.
            EncounterKind::Emergency => &[
                LOINC_ED,
                LOINC_PN,
                LOINC_PROC,
                LOINC_CONSULT,
                LOINC_HP,
                LOINC_DS,
            ],
            EncounterKind::Observation => &[LOINC_HP, LOINC_PN, LOINC_DS],
            _ => &[LOINC_PROC, LOINC_PN, LOINC_CONSULT, LOINC_ED, LOINC_HP],
        };
        let note = live(docs).find(|d| note_types.contains(&d.doc_type.as_str()));
        match note {
            None => out.push(attending(
                "REQ-VISIT",
                "MISS_NOTE",
                "visit_note",
                format!("REQ-VISIT: no provider note for the {} visit", enc.kind),
            )),
            // REQ-VISIT, ED: the note is complete only with the disposition (where the
            // patient went); none recorded is incomplete content on the note's author.
            Some(n)
                if enc.kind == EncounterKind::Emergency
                    && enc
                        .disposition
                        .as_deref()
                        .is_none_or(|d| d.trim().is_empty()) =>
            {
                out.push(Finding {
                    rule: "REQ-VISIT",
                    kind: "INCOMPLETE_CONTENT",
                    slot: "ed_disposition".into(),
                    document_id: Some(n.id),
                    assignee: Assignee::Author,
                    provider_id: n.author_id,
                    message: format!(
                        "REQ-VISIT: the ED visit has no disposition (where the patient went); document {} must record it",
                        n.id
                    ),
                });
            }
            Some(_) => {}
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

/// Days as compact ranges: `2026-11-02..2026-11-04, 2026-11-07`.
pub fn compact_days(days: &[NaiveDate]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < days.len() {
        let start = days[i];
        let mut end = start;
        while i + 1 < days.len() && days[i + 1].pred_opt() == Some(end) {
            i += 1;
            end = days[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}..{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

/// Whether a discharge summary's text documents a final diagnosis (REQ-FDX): a line naming a
/// diagnosis heading ("FINAL DIAGNOSIS", "DISCHARGE DIAGNOSES", "PRINCIPAL DIAGNOSIS"…) with
/// content after its colon or on the next non-empty line.
pub fn has_final_diagnosis(body: &str) -> bool {
    let lines: Vec<&str> = body.lines().map(str::trim).collect();
    for (i, line) in lines.iter().enumerate() {
        let upper = line.to_ascii_uppercase();
        let Some(at) = upper.find("DIAGNOS") else {
            continue;
        };
        if upper[..at].contains("NO ") {
            continue;
        }
        let after = line.split_once(':').map(|(_, r)| r.trim()).unwrap_or("");
        let next = lines[i + 1..].iter().find(|l| !l.is_empty());
        let content = if !after.is_empty() {
            Some(after)
        } else {
            // The next line, unless it is the next section's heading (`DISPOSITION: home`).
            next.copied().filter(|n| {
                let head = n.split_once(':').map_or(*n, |(h, _)| h);
                !(n.contains(':')
                    && head.chars().any(|c| c.is_ascii_alphabetic())
                    && head
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || " &/-".contains(c)))
            })
        };
        if content.is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            !matches!(c.as_str(), "none" | "n/a" | "pending" | "tbd" | "-" | "")
        }) {
            return true;
        }
    }
    false
}
