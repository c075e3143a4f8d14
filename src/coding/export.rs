//! Export of a coded encounter for billing: a FHIR R4 `collection` Bundle (Patient,
//! Encounter, one Condition per diagnosis and one Procedure per procedure with ICD-10-CM /
//! ICD-10-PCS codings, and a Claim-like summary with the diagnosis sequence, POA as
//! `Claim.diagnosis.onAdmission` and the procedures), or one CSV row.
//!
//! Invariants:
//! - Only `coded` or `final_billed` encounters export: the codes are the completed ones.
//! - Each export is audited as `export` (AUD-09) with the format and the code list.
//! - The Claim is a summary, not a submittable claim: no insurance or charges are invented.

use crate::store::Reader;
use rusqlite::params;
use serde_json::{Value, json};

use super::normalize_code;
use super::work::{CodeList, EncounterHeader, header, read_codes};
use crate::accounts::authorize;
use crate::audit::{Action, Actor, Event, Subtype};
use crate::codes::{CodeSystem, code_set_for};
use crate::domain::Perm;
use crate::error::CoreError;
use crate::store::Store;

pub const ICD10CM_URI: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const ICD10PCS_URI: &str = "http://www.cms.gov/Medicare/Coding/ICD10";
const POA_URI: &str = "http://terminology.hl7.org/CodeSystem/ex-diagnosis-on-admission";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Fhir,
    Csv,
}

fn title(conn: &Reader, system: CodeSystem, h: &EncounterHeader, code: &str) -> String {
    let day = h
        .discharge_at
        .as_deref()
        .unwrap_or(&h.admit_at)
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let Some(set) = day.and_then(|d| code_set_for(conn, system, d)) else {
        return String::new();
    };
    conn.query_row(
        "SELECT long_title FROM codes WHERE code_set_id = ?1 AND code = ?2",
        params![set.0, code],
        |r| r.get(0),
    )
    .unwrap_or_default()
}

/// The FHIR R4 Bundle of a coded encounter (pure over what it reads).
pub fn fhir_bundle(conn: &Reader, h: &EncounterHeader, codes: &CodeList) -> Value {
    let patient_ref = format!("Patient/{}", h.mrn);
    let enc_ref = format!("Encounter/{}", h.visit_number);
    let mut entries = vec![
        json!({"resource": {"resourceType": "Patient", "id": h.mrn,
            "identifier": [{"type": {"text": "MRN"}, "value": h.mrn}],
            "birthDate": h.birth_date.get(..10).unwrap_or(&h.birth_date)}}),
        json!({"resource": {"resourceType": "Encounter", "id": h.visit_number, "status": "finished",
            "identifier": [{"value": h.visit_number}],
            "class": {"code": h.kind},
            "subject": {"reference": patient_ref},
            "period": {"start": h.admit_at, "end": h.discharge_at}}}),
    ];
    let mut claim_dx = Vec::new();
    for (i, d) in codes.diagnoses().enumerate() {
        let code = normalize_code(&d.code);
        let dotted = CodeSystem::Icd10Cm.dotted(&code);
        let coding = json!({"system": ICD10CM_URI, "code": dotted,
                            "display": title(conn, CodeSystem::Icd10Cm, h, &code)});
        let id = format!("{}-dx{}", h.visit_number, i + 1);
        entries.push(json!({"resource": {"resourceType": "Condition", "id": id,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                       "code": "encounter-diagnosis"}]}],
            "code": {"coding": [coding.clone()]},
            "subject": {"reference": patient_ref}, "encounter": {"reference": enc_ref}}}));
        let mut cd = json!({"sequence": i + 1, "diagnosisReference": {"reference": format!("Condition/{id}")},
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/ex-diagnosistype",
                                  "code": if i == 0 { "principal" } else { "discharge" }}]}]});
        if let Some(p) = d.poa {
            cd["onAdmission"] = json!({"coding": [{"system": POA_URI, "code": p.to_string()}]});
        }
        claim_dx.push(cd);
    }
    let mut claim_px = Vec::new();
    for (i, p) in codes.procedures.iter().enumerate() {
        let code = normalize_code(&p.code);
        let coding = json!({"system": ICD10PCS_URI, "code": code,
                            "display": title(conn, CodeSystem::Icd10Pcs, h, &code)});
        let id = format!("{}-px{}", h.visit_number, i + 1);
        let mut res = json!({"resourceType": "Procedure", "id": id, "status": "completed",
            "code": {"coding": [coding]},
            "subject": {"reference": patient_ref}, "encounter": {"reference": enc_ref}});
        if let Some(d) = p.date {
            res["performedDateTime"] = json!(d.format("%Y-%m-%d").to_string());
        }
        entries.push(json!({"resource": res}));
        let mut cp = json!({"sequence": i + 1, "procedureReference": {"reference": format!("Procedure/{id}")},
            "type": [{"text": if p.principal { "principal" } else { "other" }}]});
        if let Some(d) = p.date {
            cp["date"] = json!(d.format("%Y-%m-%d").to_string());
        }
        claim_px.push(cp);
    }
    entries.push(json!({"resource": {"resourceType": "Claim", "id": format!("{}-claim", h.visit_number),
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "institutional"}]},
        "use": "claim",
        "patient": {"reference": patient_ref},
        "created": h.coded_at,
        "priority": {"coding": [{"code": "normal"}]},
        "item": [{"sequence": 1, "encounter": [{"reference": enc_ref}], "productOrService": {"text": "inpatient stay"}}],
        "diagnosis": claim_dx, "procedure": claim_px}}));
    json!({"resourceType": "Bundle", "type": "collection", "entry": entries})
}

/// CSV header of [`csv_row`].
pub const CSV_HEADER: &str = "visit_number,mrn,kind,admit_date,discharge_date,discharge_disposition,principal_dx,principal_poa,secondary_dx,principal_px,procedures,coding_status,coded_at";

/// One billing row: secondary diagnoses as `CODE:POA` joined by `;`, procedures as
/// `CODE@DATE` joined by `;` (dotted ICD-10-CM codes, ICD-10-PCS codes as is).
pub fn csv_row(h: &EncounterHeader, codes: &CodeList) -> String {
    let dx = |d: &super::DxEntry| CodeSystem::Icd10Cm.dotted(&normalize_code(&d.code));
    let secondary: Vec<String> = codes
        .secondary
        .iter()
        .map(|d| match d.poa {
            Some(p) => format!("{}:{p}", dx(d)),
            None => dx(d),
        })
        .collect();
    let procs: Vec<String> = codes
        .procedures
        .iter()
        .map(|p| match p.date {
            Some(d) => format!("{}@{}", normalize_code(&p.code), d.format("%Y-%m-%d")),
            None => normalize_code(&p.code),
        })
        .collect();
    let principal_px = codes
        .procedures
        .iter()
        .find(|p| p.principal)
        .map(|p| normalize_code(&p.code))
        .unwrap_or_default();
    let fields = [
        h.visit_number.clone(),
        h.mrn.clone(),
        h.kind.clone(),
        h.admit_at.get(..10).unwrap_or(&h.admit_at).to_string(),
        h.discharge_at
            .as_deref()
            .and_then(|d| d.get(..10))
            .unwrap_or("")
            .to_string(),
        h.discharge_disposition.clone().unwrap_or_default(),
        codes.principal.as_ref().map(dx).unwrap_or_default(),
        codes
            .principal
            .as_ref()
            .and_then(|d| d.poa)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        secondary.join(";"),
        principal_px,
        procs.join(";"),
        h.coding_status.clone(),
        h.coded_at.clone().unwrap_or_default(),
    ];
    crate::csv_out::line(&fields)
}

/// Export a coded encounter (coders and supervisors), audited as `export`.
pub fn export(
    store: &mut Store,
    actor: &Actor,
    encounter_id: i64,
    format: ExportFormat,
) -> Result<String, CoreError> {
    authorize(
        store,
        actor,
        Perm::Code,
        "encounter",
        &encounter_id.to_string(),
    )?;
    store.transact_read(actor, |tx, audit| {
        let h = header(tx, encounter_id)?;
        if !matches!(h.coding_status.as_str(), "coded" | "final_billed") {
            return Err(CoreError::invalid(
                "coding_status",
                format!("{} is {}; only coded encounters export for billing", h.visit_number, h.coding_status),
            ));
        }
        let codes = read_codes(tx, encounter_id)?;
        let out = match format {
            ExportFormat::Fhir => {
                let mut bundle = fhir_bundle(tx, &h, &codes);
                crate::text::sanitize_json(&mut bundle);
                serde_json::to_string_pretty(&bundle)
                    .map_err(|e| CoreError::invalid("export", e.to_string()))?
                    + "\n"
            }
            ExportFormat::Csv => format!("{CSV_HEADER}\n{}\n", csv_row(&h, &codes)),
        };
        audit.record(
            Event::new(Action::Read, Subtype::Export, "coding", encounter_id)
                .patient(&h.mrn)
                .encounter(encounter_id)
                .purpose("HPAYMT")
                .detail(json!({"format": match format { ExportFormat::Fhir => "fhir", ExportFormat::Csv => "csv" },
                               "codes": codes.to_json(), "bytes": out.len()})),
        );
        Ok(out)
    })
}
