//! Export of audit rows as JSON lines or FHIR R4 AuditEvent resources (DOMAIN §6 mapping).

use std::io::Write;

use serde_json::{Value, json};

use super::AuditRow;

#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    /// Only rows recorded at or after this UTC time or date (ISO-8601 prefix comparison).
    pub since: Option<String>,
    /// Only rows about this patient.
    pub patient_mrn: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per row per line, every column, `detail` parsed.
    Jsonl,
    /// One FHIR R4 AuditEvent per line (NDJSON, as in FHIR bulk data).
    Fhir,
}

/// Write matching rows to `out`; returns how many were written.
pub fn export(
    conn: &crate::store::Reader,
    filter: &ExportFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM audit_log WHERE (?1 IS NULL OR recorded_at >= ?1) AND (?2 IS NULL OR patient_mrn = ?2
           OR (patient_mrn IS NULL AND instr(' ' || json_extract(detail, '$.mrns') || ' ', ' ' || ?2 || ' ') > 0)) ORDER BY seq",
        super::ROW_COLUMNS
    ))?;
    let rows = stmt.query_map(
        rusqlite::params![filter.since, filter.patient_mrn],
        AuditRow::from_row,
    )?;
    let mut n = 0;
    for row in rows {
        let row = row?;
        let value = match format {
            ExportFormat::Jsonl => row_json(&row),
            ExportFormat::Fhir => to_fhir(&row),
        };
        serde_json::to_writer(&mut *out, &value).map_err(|e| ExportError::Io(e.into()))?;
        out.write_all(b"\n")?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("write error: {0}")]
    Io(#[from] std::io::Error),
}

fn row_json(row: &AuditRow) -> Value {
    let mut v = serde_json::to_value(row).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        let detail = serde_json::from_str(&row.detail).unwrap_or(Value::String(row.detail.clone()));
        obj.insert("detail".into(), detail);
    }
    v
}

const DCM: &str = "http://dicom.nema.org/resources/ontology/DCM";

/// Map one row to a FHIR R4 AuditEvent (IHE BALP patterns where they apply).
pub fn to_fhir(row: &AuditRow) -> Value {
    let (type_code, type_display) = match row.subtype.as_str() {
        "login" | "login_failed" | "logout" | "auto_logoff" | "lock" | "unlock" => {
            ("110114", "User Authentication")
        }
        "export" | "audit_export" | "release" | "print" | "copy" | "backup" => ("110106", "Export"),
        "app_start" | "app_stop" | "restore" => ("110100", "Application Activity"),
        _ if row.patient_mrn.is_some() => ("110110", "Patient Record"),
        "settings_change" | "user_admin" => ("110136", "Security Roles Changed"),
        _ => ("110110", "Patient Record"),
    };
    let subtype = match row.subtype.as_str() {
        "view" => json!({"system": "http://hl7.org/fhir/restful-interaction", "code": "read"}),
        "query" => {
            json!({"system": "http://hl7.org/fhir/restful-interaction", "code": "search-type"})
        }
        "create" => json!({"system": "http://hl7.org/fhir/restful-interaction", "code": "create"}),
        "update" | "sign" => {
            json!({"system": "http://hl7.org/fhir/restful-interaction", "code": "update"})
        }
        "delete" => json!({"system": "http://hl7.org/fhir/restful-interaction", "code": "delete"}),
        "release" => {
            json!({"system": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle", "code": "disclose"})
        }
        "login" | "unlock" => json!({"system": DCM, "code": "110122", "display": "Login"}),
        "logout" | "auto_logoff" | "lock" => {
            json!({"system": DCM, "code": "110123", "display": "Logout"})
        }
        other => json!({"system": "urn:chartdesk:audit-subtype", "code": other}),
    };
    let mut entities = Vec::new();
    if let Some(mrn) = &row.patient_mrn {
        entities.push(json!({
            "what": {"identifier": {"system": "urn:chartdesk:mrn", "value": mrn}},
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient"}
        }));
    }
    entities.push(json!({
        "what": {"identifier": {"system": format!("urn:chartdesk:{}", row.entity_type), "value": row.entity_id}},
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"},
        "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "4", "display": "Domain Resource"},
        "detail": [{"type": "detail", "valueString": row.detail}]
    }));
    let mut event = json!({
        "resourceType": "AuditEvent",
        "id": row.event_id,
        "type": {"system": DCM, "code": type_code, "display": type_display},
        "subtype": [subtype],
        "action": row.action,
        "recorded": row.recorded_at,
        "outcome": row.outcome.to_string(),
        "purposeOfEvent": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": row.purpose_of_use}]}],
        "agent": [{
            "who": {"identifier": {"system": "urn:chartdesk:user", "value": row.username}},
            "role": [{"text": row.role}],
            "requestor": true,
            "network": {"address": row.terminal_id, "type": "5"}
        }],
        "source": {
            "observer": {"display": "chartdesk"},
            "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server"}]
        },
        "entity": entities,
        "extension": [{
            "url": "urn:chartdesk:audit-chain",
            "extension": [
                {"url": "seq", "valueInteger": row.seq},
                {"url": "prevHash", "valueString": row.prev_hash},
                {"url": "hash", "valueString": row.hash}
            ]
        }]
    });
    if let Some(reason) = &row.reason
        && let Some(obj) = event.as_object_mut()
    {
        obj.insert("outcomeDesc".into(), Value::String(reason.clone()));
    }
    if row.subtype == "release" {
        privacy_disclosure(row, &mut event);
    }
    event
}

/// IHE BALP PrivacyDisclosure (Source) for a release (DOMAIN §6): the recipient becomes an agent
/// in the destination role, the disclosure row's description an entity, and the profile is
/// declared. `recorded` → AoD date; `purposeOfEvent` → purpose; entity role 1 → patient.
fn privacy_disclosure(row: &AuditRow, event: &mut Value) {
    let detail: Value = serde_json::from_str(&row.detail).unwrap_or(Value::Null);
    let Some(obj) = event.as_object_mut() else {
        return;
    };
    obj.insert(
        "meta".into(),
        json!({"profile": ["https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Source"]}),
    );
    let recipient = detail
        .get("recipient")
        .and_then(Value::as_str)
        .unwrap_or("");
    let address = detail
        .get("recipient_address")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(agents) = obj.get_mut("agent").and_then(Value::as_array_mut) {
        agents.push(json!({
            "type": {"coding": [{"system": DCM, "code": "110152", "display": "Destination Role ID"}]},
            "who": {"display": recipient},
            "name": address,
            "requestor": false
        }));
    }
    if let Some(entities) = obj.get_mut("entity").and_then(Value::as_array_mut) {
        let disclosure = detail.get("disclosure_id").cloned().unwrap_or(Value::Null);
        entities.push(json!({
            "what": {"identifier": {"system": "urn:chartdesk:disclosure", "value": disclosure.to_string()}},
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "4", "display": "Domain Resource"},
            "description": detail.get("description").and_then(Value::as_str).unwrap_or(""),
            "detail": [
                {"type": "purpose", "valueString": detail.get("purpose").and_then(Value::as_str).unwrap_or("")},
                {"type": "accountable", "valueString": detail.get("accountable").map(Value::to_string).unwrap_or_default()}
            ]
        }));
    }
}
