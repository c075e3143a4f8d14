//! What a release is made of, read from the store: the plan its packet is rendered from and the
//! transaction checks again (documents, fee, disclosure facts), the estimate shown before it, and
//! the checks that a request may be released now.

use super::*;

/// Check that request `at.id` may be released now and plan the release (see [`Plan`]).
/// `pages`: the document pages counted by the plan this one checks (a page count is a text
/// render of every document; it follows from the documents and the packet's facts, which the
/// fingerprint compares, so the check under the write lock does not render them again).
pub(super) fn plan(
    conn: &crate::store::Reader,
    actor: &Actor,
    at: &Where,
    now_ms: &str,
    today: chrono::NaiveDate,
    disclosure_id: i64,
    pages: Option<u32>,
) -> Result<Plan, CoreError> {
    let label = &at.label;
    let rec = request::load(conn, at.id)?;
    let qa_required = settings::get_i64(conn, crate::settings::Key::RoiQaRequired)? != 0;
    match rec.status {
        Status::QaReview => {}
        Status::InProcess if !qa_required => {}
        s => {
            return Err(CoreError::invalid(
                "status",
                format!(
                    "{label} is {}; it is released from {} (DOMAIN 4.5)",
                    s.label(),
                    if qa_required {
                        "QA_REVIEW after QA passes"
                    } else {
                        "IN_PROCESS or QA_REVIEW"
                    }
                ),
            ));
        }
    }
    if qa_required {
        match rec.qa_user.as_deref() {
            None => {
                return Err(CoreError::invalid(
                    "qa_user",
                    format!("{label} has not passed QA review (roi_qa_required)"),
                ));
            }
            Some(q) if q == actor.username => {
                return Err(CoreError::invalid(
                    "qa_user",
                    "the QA reviewer may not also release (DOMAIN 4.5: QA ≠ releaser)",
                ));
            }
            Some(_) => {}
        }
    }
    // Checked after the status, so a stale release names the status, never the packet.
    if std::fs::symlink_metadata(&at.dir).is_ok() || std::fs::symlink_metadata(&at.zip).is_ok() {
        return Err(CoreError::invalid(
            at.dir.display().to_string(),
            "already exists; a packet is never overwritten (choose another --out)",
        ));
    }
    let sel = request::selection(conn, &rec, today)?;
    check_releasable(conn, &rec, &sel)?;
    // 164.522(a): a restriction recorded after the release began stops it (released again,
    // it goes on hold).
    let broken = super::super::restriction::request_conflicts(conn, at.id, today)?;
    if !broken.is_empty() {
        let why: Vec<String> = broken
            .iter()
            .map(|c| c.message().replace("REQ", label))
            .collect();
        return Err(CoreError::invalid(
            "restriction",
            format!(
                "{label} not released: {}; release it again to put it on hold",
                why.join("; ")
            ),
        ));
    }
    let v = &sel.validation;
    let patient = patient_facts(conn, rec.patient_id)?;
    let (docs, withheld) = gather(conn, &sel)?;
    if docs.is_empty() {
        return Err(CoreError::invalid(
            "documents",
            format!(
                "{label}: nothing to release ({} withheld); deny or cancel instead",
                withheld.len()
            ),
        ));
    }
    let part2 = docs
        .iter()
        .any(|d| d.categories.contains(&Category::SudPart2));
    // 42 CFR 2.32 goes with disclosures made under consent, never with the individual's
    // own copy.
    let part2_notice = part2 && v.requirement != AuthRequirement::None;
    let accounting_row = Disclosure {
        disclosed_on: today,
        purpose: disclosure_purpose(rec.requester_type),
        requester_type: Some(rec.requester_type),
        conditions: rec.conditions,
        part2,
    };
    let exclusion = accounting::exclusion(&accounting_row);
    let accountable = exclusion.is_none();
    let facility = settings::get(conn, crate::settings::Key::FacilityName)?;
    let probe = probe_input(label, &facility, &rec, &patient, docs, now_ms);
    let pages = pages.unwrap_or_else(|| pages_of_docs(&probe));
    let (fee, fee_method) = fee_for(conn, &rec, pages)?;
    let (family, given, birth, _) = &patient;
    let docs = &probe.docs;
    let types: Vec<String> = {
        let mut t: Vec<String> = docs.iter().map(|d| d.doc_type.clone()).collect();
        t.sort();
        t.dedup();
        t
    };
    let first = docs
        .iter()
        .map(|d| d.service_at.get(..10).unwrap_or(""))
        .min()
        .unwrap_or("");
    let last = docs
        .iter()
        .map(|d| d.service_at.get(..10).unwrap_or(""))
        .max()
        .unwrap_or("");
    let description = format!(
        "{} document(s) (LOINC {}) dated {first} to {last}{}",
        docs.len(),
        types.join(", "),
        if part2 {
            "; includes 42 CFR Part 2 SUD records"
        } else {
            ""
        }
    );
    let purpose = if rec.purpose.is_empty() {
        v.basis.to_string()
    } else {
        rec.purpose.clone()
    };
    let event = Event::new(Action::Execute, Subtype::Release, "release_request", label)
        .patient(&rec.mrn)
        .purpose(request::purpose_of_use(rec.requester_type));
    let doc_ids: Vec<String> = docs.iter().map(|d| d.document_id.to_string()).collect();
    let document_ids: Vec<i64> = docs.iter().map(|d| d.document_id).collect();
    let conditions = serde_json::to_string(&rec.conditions)
        .map_err(|e| CoreError::invalid("conditions", e.to_string()))?;
    let header = json!({
        "request": label,
        "facility": facility,
        "patient": {"mrn": rec.mrn, "family": family, "given": given, "birth_date": birth},
        "requester": {"type": rec.requester_type.as_str(), "name": rec.requester_name, "address": rec.requester_address},
        "purpose": purpose,
        "legal_basis": v.basis,
        "minimum_necessary": v.minimum_necessary.as_str(),
        "authorization": rec.authorization.as_ref().map(|a| json!({
            "id": a.id, "signed_date": a.signed_date, "expiration_date": a.expiration_date,
            "expiration_event": a.expiration_event, "sensitive_categories_named": a.sensitive_categories_named,
            "psychotherapy_notes": a.psychotherapy_notes,
        })),
        "delivery": rec.delivery.as_str(),
        "received": rec.received,
        "released_at": now_ms,
        "releaser": actor.username,
        "qa_user": rec.qa_user,
        "disclosure_id": disclosure_id,
        "accountable": accountable,
        "pages": pages,
    });
    let input = PacketInput {
        header,
        withheld,
        excluded_categories: v.excluded_categories.clone(),
        authorization: rec
            .authorization
            .as_ref()
            .and_then(|a| serde_json::to_value(a).ok()),
        fee,
        fee_method,
        part2_notice,
        sensitive_basis: sensitive_basis(v),
        pdf: pdf_prefix(conn, &facility)?,
        enclosures: super::super::enclosures::for_release(conn, &rec, &document_ids)?,
        ..probe
    };
    Ok(Plan {
        event,
        description,
        purpose,
        purpose_code: accounting_row.purpose.as_str(),
        conditions,
        accountable,
        excluded_by: exclusion.map(|e| json!({"code": e.code, "rule": e.rule})),
        part2,
        doc_ids,
        pages,
        input,
        rec,
    })
}

/// Patient facts the packet states: family and given name, birth date, sex.
type PatientFacts = (String, String, String, String);

fn patient_facts(conn: &crate::store::Reader, patient_id: i64) -> Result<PatientFacts, CoreError> {
    Ok(conn.query_row(
        "SELECT family_name, given_name, birth_date, sex FROM patients WHERE id = ?1",
        [patient_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?)
}

/// The documents that go out, with their text, and those withheld with the reason.
fn gather(
    conn: &crate::store::Reader,
    sel: &Selection,
) -> Result<(Vec<PacketDoc>, Vec<Withheld>), CoreError> {
    let mut docs = Vec::new();
    let mut withheld = Vec::new();
    for item in &sel.items {
        if let Some(reason) = sel.withheld_reason(item) {
            withheld.push(Withheld {
                document_id: item.document_id,
                doc_type: item.doc_type.clone(),
                reason,
            });
            continue;
        }
        let (body, author): (String, Option<String>) = conn.query_row(
            "SELECT d.body, p.given_name || ' ' || p.family_name || CASE WHEN p.credentials <> '' THEN ', ' || p.credentials ELSE '' END
             FROM documents d LEFT JOIN providers p ON p.id = d.author_id WHERE d.id = ?1",
            [item.document_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        docs.push(PacketDoc {
            document_id: item.document_id,
            doc_type: item.doc_type.clone(),
            title: item.title.clone(),
            status: item.status.clone(),
            service_at: item.service_at.clone(),
            visit_number: item.visit_number.clone(),
            author: author.unwrap_or_default(),
            categories: item.categories.clone(),
            incomplete: item.incomplete.clone(),
            incomplete_ack: item.incomplete_ack.clone(),
            body,
        });
    }
    Ok((docs, withheld))
}

fn probe_input(
    label: &str,
    facility: &str,
    rec: &RequestRecord,
    patient: &PatientFacts,
    docs: Vec<PacketDoc>,
    released_at: &str,
) -> PacketInput {
    PacketInput {
        request_label: label.to_string(),
        facility: facility.to_string(),
        patient_mrn: rec.mrn.clone(),
        patient_family: patient.0.clone(),
        patient_given: patient.1.clone(),
        patient_birth_date: patient.2.clone(),
        patient_sex: patient.3.clone(),
        released_at: released_at.to_string(),
        header: json!({}),
        docs,
        withheld: Vec::new(),
        excluded_categories: Vec::new(),
        authorization: None,
        fee: Fee {
            cents: 0,
            lines: Vec::new(),
            rule: "",
            notes: Vec::new(),
            class: FeeClass::NoCharge,
            basis_note: "",
        },
        fee_method: String::new(),
        requester_name: rec.requester_name.clone(),
        part2_notice: false,
        sensitive_basis: String::new(),
        pdf: None,
        enclosures: Vec::new(),
    }
}

/// `Some(Bates prefix)` when documents go out as PDF (`release_document_format = PDF`); the
/// prefix is the `bates_prefix` setting, or the facility's initials when it is empty.
pub fn pdf_prefix(
    conn: &crate::store::Reader,
    facility: &str,
) -> Result<Option<String>, CoreError> {
    if settings::get(conn, crate::settings::Key::ReleaseDocumentFormat)?
        .trim()
        .eq_ignore_ascii_case("TEXT")
    {
        return Ok(None);
    }
    let p = settings::get(conn, crate::settings::Key::BatesPrefix)?;
    let p = p.trim();
    Ok(Some(if p.is_empty() {
        crate::pdf::default_bates_prefix(facility)
    } else {
        p.to_string()
    }))
}

/// What a sensitive document's text says about why it goes out (never more than is true).
fn sensitive_basis(v: &super::super::validate::Validation) -> String {
    match v.requirement {
        AuthRequirement::None if v.requester_type.is_access() => {
            "released to the individual under the right of access, 45 CFR 164.524".into()
        }
        AuthRequirement::None => format!(
            "released under {}: a category that needs naming is never released without an authorization that names it",
            v.basis
        ),
        AuthRequirement::SignedDirective => {
            "sent at the individual's signed written direction (45 CFR 164.524(c)(3)(ii)), which names each category that needs naming".into()
        }
        AuthRequirement::Authorization => {
            "released under an authorization that names each category that needs naming".into()
        }
    }
}

/// Pages of the rendered documents, 60 lines a page (computed before the fee).
fn pages_of_docs(input: &PacketInput) -> u32 {
    input
        .docs
        .iter()
        .map(|d| packet::pages_of(&packet::render_document(input, d)))
        .sum()
}

/// LTR-02: the fee estimate for what is selected now (the pages the release would render).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Estimate {
    pub documents: usize,
    pub pages: u32,
    pub fee: Fee,
    pub method: String,
}

/// The fee estimate of a request as of `today` (pure read).
pub fn estimate_in(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    today: chrono::NaiveDate,
) -> Result<Estimate, CoreError> {
    let sel = request::selection(conn, rec, today)?;
    let patient = patient_facts(conn, rec.patient_id)?;
    let (docs, _) = gather(conn, &sel)?;
    let facility = settings::get(conn, crate::settings::Key::FacilityName)?;
    let label = request_label(rec.id);
    let documents = docs.len();
    let probe = probe_input(&label, &facility, rec, &patient, docs, "");
    let pages = pages_of_docs(&probe);
    let (fee, method) = fee_for(conn, rec, pages)?;
    Ok(Estimate {
        documents,
        pages,
        fee,
        method,
    })
}

/// Refuse a release the rules do not allow now, with a hint that names a step allowed in the
/// request's state: an invalid selection, or an incomplete document nobody acknowledged.
pub(crate) fn check_releasable(
    conn: &crate::store::Reader,
    rec: &RequestRecord,
    sel: &Selection,
) -> Result<(), CoreError> {
    let label = request_label(rec.id);
    let next = match rec.status {
        Status::QaReview => format!(
            "QA sends it back first (`chartdesk roi qa {label} --fail --note …`), then validate it"
        ),
        _ => format!("validate it (`chartdesk roi validate {label}`) to put it on hold"),
    };
    let v = &sel.validation;
    if !v.valid {
        let codes: Vec<String> = v
            .problems
            .iter()
            .map(|p| format!("{} ({})", p.code, p.rule))
            .collect();
        return Err(CoreError::invalid(
            "authorization",
            format!("{label} is not valid: {} — {next}", codes.join(", ")),
        ));
    }
    let policy = settings::get(conn, crate::settings::Key::RoiIncompleteDocuments)?;
    let hold_policy = policy.trim().eq_ignore_ascii_case("HOLD");
    let pending: Vec<String> = if hold_policy {
        sel.releasable()
            .filter(|i| i.incomplete.is_some())
            .map(|i| {
                format!(
                    "document {} ({})",
                    i.document_id,
                    i.incomplete.as_deref().unwrap_or("")
                )
            })
            .collect()
    } else {
        sel.unacknowledged_incomplete()
            .map(|i| {
                format!(
                    "document {} ({})",
                    i.document_id,
                    i.incomplete.as_deref().unwrap_or("")
                )
            })
            .collect()
    };
    if !pending.is_empty() {
        let how = if hold_policy {
            format!(
                "roi_incomplete_documents = HOLD: leave it out or wait for the signature; {next}"
            )
        } else if rec.status == Status::QaReview {
            next.clone()
        } else {
            format!(
                "acknowledge releasing it as it stands (`chartdesk roi acknowledge-incomplete {label} --note …`) or leave it out"
            )
        };
        return Err(CoreError::invalid(
            "documents",
            format!("{label}: {} not complete — {how}", pending.join(", ")),
        ));
    }
    Ok(())
}
