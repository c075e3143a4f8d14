//! Statements of disagreement and rebuttals (164.526(d)(2)–(3)), appended to the record for good,
//! and what is carried with every later disclosure of the information they concern
//! (164.526(d)(4)–(5)).

use super::*;

/// File the individual's statement of disagreement (after a denial) or the facility's
/// rebuttal (after a statement) (164.526(d)(2)–(3)); appended to the record for good.
pub fn file_statement(
    store: &mut Store,
    actor: &Actor,
    id: i64,
    kind: &str,
    text: &str,
) -> Result<Amendment, CoreError> {
    with_amendment(store, actor, id, |tx, audit, a, c| {
        if a.status != "denied" {
            return Err(CoreError::invalid(
                &a.label,
                "statements of disagreement follow a denial (45 CFR 164.526(d)(1)(iii))",
            ));
        }
        let has_disagreement = a.statements.iter().any(|s| s.kind == "disagreement");
        match kind {
            "disagreement" => {}
            "rebuttal" if has_disagreement => {}
            "rebuttal" => {
                return Err(CoreError::invalid(
                    "kind",
                    "a rebuttal answers a statement of disagreement; none is filed (45 CFR 164.526(d)(3))",
                ));
            }
            other => {
                return Err(CoreError::invalid(
                    "kind",
                    format!("{other:?}: disagreement or rebuttal"),
                ));
            }
        }
        if text.trim().is_empty() {
            return Err(CoreError::invalid("text", "the statement is empty"));
        }
        tx.execute(
            "INSERT INTO amendment_statements(amendment_id, kind, text, filed_on, filed_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, kind, text.trim(), c.today.to_string(), c.user],
        )?;
        audit.record(event(a, Action::Create, Subtype::Create).detail(json!({
            "statement": kind, "rule": if kind == "rebuttal" { "45 CFR 164.526(d)(3)" } else { "45 CFR 164.526(d)(2)" },
        })));
        load(tx, id)
    })
}

/// The individual asks that the request and the denial go with later disclosures though no
/// statement was filed (164.526(d)(5)(ii)).
pub fn carry_request_and_denial(
    store: &mut Store,
    actor: &Actor,
    id: i64,
) -> Result<(), CoreError> {
    with_amendment(store, actor, id, |tx, audit, a, _| {
        if a.status != "denied" {
            return Err(CoreError::invalid(
                &a.label,
                "only a denied request is carried this way",
            ));
        }
        tx.execute(
            "UPDATE amendment_requests SET carry_request_and_denial = 1 WHERE id = ?1",
            [id],
        )?;
        audit.record(
            event(a, Action::Update, Subtype::Update).detail(
                json!({"carry_request_and_denial": true, "rule": "45 CFR 164.526(d)(5)(ii)"}),
            ),
        );
        Ok(())
    })
}

/// What must go with a disclosure of `documents` of patient `patient_id` (164.526(c)(1),
/// (d)(5)): each accepted amendment of a disclosed document, and for each denied one the
/// request, the denial, the statement of disagreement and any rebuttal (or, with no statement,
/// the request and denial when the individual asked).
pub fn carried_with(
    conn: &crate::store::Reader,
    patient_id: i64,
    documents: &[i64],
) -> Result<Vec<Enclosure>, CoreError> {
    let mut st = conn.prepare(
        "SELECT id, carry_request_and_denial FROM amendment_requests WHERE patient_id = ?1 AND status IN ('accepted','denied') ORDER BY id",
    )?;
    let list: Vec<(i64, bool)> = st
        .query_map([patient_id], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? != 0)))?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::new();
    for (id, carry) in list {
        let a = load(conn, id)?;
        if !a.document_ids.iter().any(|d| documents.contains(d)) {
            continue;
        }
        let docs: Vec<String> = a.document_ids.iter().map(i64::to_string).collect();
        let mut text = format!(
            "{}: amendment request about document(s) {}\nReceived {} from {}\n\nRequested change:\n{}\n",
            a.label,
            docs.join(", "),
            a.received,
            a.requested_by,
            a.requested_change
        );
        if a.status == "accepted" {
            text += &format!(
                "\nACCEPTED (45 CFR 164.526(c)(1)). The amendment appended to the record:\n{}\n",
                a.amendment_text.clone().unwrap_or_default()
            );
        } else {
            let has_statement = a.statements.iter().any(|s| s.kind == "disagreement");
            if !has_statement && !carry {
                continue;
            }
            let basis = a.denial_basis.clone().unwrap_or_default();
            let rule = DENY_REASONS
                .iter()
                .find(|(c, _, _)| *c == basis)
                .map(|(_, r, w)| format!("{w} ({r})"))
                .unwrap_or(basis);
            text += &format!("\nDENIED: {rule}\n");
            for s in &a.statements {
                let head = if s.kind == "disagreement" {
                    "STATEMENT OF DISAGREEMENT (45 CFR 164.526(d)(2))"
                } else {
                    "REBUTTAL (45 CFR 164.526(d)(3))"
                };
                text += &format!(
                    "\n{head}, filed {} by {}:\n{}\n",
                    s.filed_on, s.filed_by, s.text
                );
            }
            text += "\nThis material goes with every disclosure of the information it concerns (45 CFR 164.526(d)(5)).\n";
        }
        out.push(Enclosure {
            stem: format!("amendments/amendment-{:06}", a.id),
            title: format!("{} ({})", a.label, a.status),
            body: EnclosureBody::Text(text),
            front: false,
        });
    }
    Ok(out)
}
