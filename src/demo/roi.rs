//! Release-of-information demo data: a few documents labelled with sensitive categories and a
//! few requests in different states (logged, on hold for a missing element and for a Part 2
//! record the authorization does not name, in process, QA passed and ready to release), all
//! made through the ROI operations as the demo ROI and supervisor users, so they are audited
//! like real work. Nothing is released here (a release writes a packet on disk).

use chrono::{Days, NaiveDate};
use rusqlite::params;

use crate::audit::{Action, Actor, Event, Subtype};
use crate::error::CoreError;
use crate::roi::request::{self, Delivery, NewRequest, Scope};
use crate::roi::{Authorization, Category, Conditions, RequesterType};
use crate::store::Store;

fn user(store: &Store, name: &str) -> Result<Actor, CoreError> {
    let (id, role): (i64, String) = store.conn().query_row(
        "SELECT id, role FROM users WHERE username = ?1",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let role = crate::domain::Role::parse(&role)
        .ok_or_else(|| CoreError::invalid("role", format!("{role:?}")))?;
    Ok(Actor::user(id, name, role))
}

fn days_ago(today: NaiveDate, n: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(n)).unwrap_or(today)
}

/// A complete authorization, signed two days before the request was received (a signature
/// dated after receipt is AUTH_DATE_INVALID).
fn complete_auth(recipient: &str, signer: &str, received: NaiveDate) -> Authorization {
    let signed = days_ago(received, 2);
    Authorization {
        id: Some(format!("AUTH-{}", signed.format("%Y%m%d"))),
        description: Some("records of the most recent admission".into()),
        discloser: Some("Health Information Management".into()),
        recipient: Some(recipient.into()),
        purpose: Some("at the request of the individual".into()),
        expiration_date: signed.checked_add_days(Days::new(365)),
        signature: Some(signer.into()),
        signed_date: Some(signed),
        revocation_statement: true,
        conditioning_statement: true,
        redisclosure_statement: true,
        ..Authorization::default()
    }
}

/// Label documents and log the demo requests. Needs the demo users; returns how many
/// requests were logged (0 when the database has too few patients with documents).
pub fn seed(store: &mut Store, system: &Actor) -> Result<usize, CoreError> {
    let today = request::today(store);
    // Four progress notes of four different patients get a sensitive label each.
    let picks: Vec<(i64, String, String)> = {
        let mut stmt = store.conn().prepare(
            "SELECT MIN(d.id), p.mrn, p.given_name || ' ' || p.family_name FROM documents d
             JOIN encounters e ON e.id = d.encounter_id JOIN patients p ON p.id = e.patient_id
             WHERE d.doc_type = '11506-3' AND d.status IN ('signed','cosigned','reviewed')
             GROUP BY p.id ORDER BY p.id LIMIT 5",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    if picks.len() < 5 {
        return Ok(0);
    }
    let labels = [
        Category::SudPart2,
        Category::Psychotherapy,
        Category::Hiv,
        Category::MentalHealth,
    ];
    store.transact(system, |tx, audit| {
        for ((doc, _, _), label) in picks.iter().zip(labels) {
            tx.execute(
                "UPDATE documents SET sensitivity = ?2 WHERE id = ?1",
                params![doc, label.as_str()],
            )?;
        }
        audit.record(
            Event::new(
                Action::Update,
                Subtype::Update,
                "document",
                "demo-sensitivity",
            )
            .detail(serde_json::json!({"labelled": picks.len().min(labels.len())})),
        );
        Ok::<_, CoreError>(())
    })?;
    let roi = user(store, "roi")?;
    let sup = user(store, "super")?;
    let new = |mrn: &str, t, name: &str, received| NewRequest {
        mrn: mrn.to_string(),
        requester_type: t,
        requester_name: name.to_string(),
        requester_address: "100 Main St, Springfield".into(),
        purpose: "as stated in the request".into(),
        scope: Scope::default(),
        delivery: Delivery::Electronic,
        received,
        conditions: Conditions::default(),
    };
    // 1. Attorney, Part 2 note in the records, authorization does not name SUD_PART2: on hold.
    let (_, mrn, name) = &picks[0];
    let a = request::log_request(
        store,
        &roi,
        &new(
            mrn,
            RequesterType::Auth3p,
            "Rivera & Park LLP",
            days_ago(today, 12),
        ),
    )?;
    request::set_authorization(
        store,
        &roi,
        a,
        &complete_auth("Rivera & Park LLP", name, days_ago(today, 12)),
    )?;
    request::verify_identity(store, &roi, a, "letter of representation on file")?;
    request::validate_request(store, &roi, a)?;
    // 2. The patient's own request: verified, in process.
    let (_, mrn, name) = &picks[2];
    let b = request::log_request(
        store,
        &roi,
        &new(mrn, RequesterType::SelfAccess, name, days_ago(today, 3)),
    )?;
    request::verify_identity(store, &roi, b, "photo ID at the window")?;
    request::validate_request(store, &roi, b)?;
    // 3. Insurer with an unsigned authorization, received 40 days ago: on hold and overdue.
    let (_, mrn, name) = &picks[3];
    let c = request::log_request(
        store,
        &roi,
        &new(
            mrn,
            RequesterType::Auth3p,
            "Acme Life Insurance",
            days_ago(today, 40),
        ),
    )?;
    let mut unsigned = complete_auth("Acme Life Insurance", name, days_ago(today, 40));
    unsigned.signature = None;
    request::set_authorization(store, &roi, c, &unsigned)?;
    request::verify_identity(store, &roi, c, "insurer's request on letterhead")?;
    request::validate_request(store, &roi, c)?;
    // 4. Subpoena with satisfactory assurance: QA passed by the supervisor, ready to release.
    let (_, mrn, _) = &picks[4];
    let mut s = new(
        mrn,
        RequesterType::Subpoena,
        "County Court Clerk",
        days_ago(today, 20),
    );
    s.conditions.satisfactory_assurance = true;
    s.scope.document_types = vec!["34117-2".into(), "18842-5".into()];
    let d = request::log_request(store, &roi, &s)?;
    request::verify_identity(store, &roi, d, "subpoena and notice of service reviewed")?;
    request::validate_request(store, &roi, d)?;
    // The court asks for the record as it stands: unsigned documents go out acknowledged.
    if request::selection(store.conn(), &request::load(store.conn(), d)?, today)?
        .unacknowledged_incomplete()
        .next()
        .is_some()
    {
        crate::roi::holds::acknowledge_incomplete(
            store,
            &roi,
            d,
            "subpoena asks for the record as it stands",
        )?;
    }
    request::submit_for_qa(store, &roi, d)?;
    request::qa_review(store, &sup, d, true, "scope checked against the subpoena")?;
    // 5. A treating provider's request, just logged.
    let (_, mrn, _) = &picks[1];
    request::log_request(
        store,
        &roi,
        &new(
            mrn,
            RequesterType::ProviderTx,
            "Springfield Cardiology",
            today,
        ),
    )?;
    Ok(5)
}
