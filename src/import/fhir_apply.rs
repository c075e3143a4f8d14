//! Writing parsed FHIR resources, in dependency order: one transaction for a transaction
//! Bundle, groups of entries for other Bundles (see [`apply`]).
//!
//! Matching (idempotency): Organization by `source_key`; Practitioner by NPI, else
//! `source_key`; Patient by `source_key` (`fhir:Patient/<id>`), else MRN when birth date and
//! sex agree (IMP-ID-01; otherwise registered as `<id>:<MRN>` and flagged); Encounter by
//! `source_key`, else visit number (which must then belong to the same patient); Condition,
//! Procedure and DocumentReference by `source_key`. References resolve within the bundle
//! (`urn:uuid:` fullUrl or `Type/id`) and then against rows already imported (`source_key`);
//! conditional references `Practitioner?identifier=<npi system>|<npi>` resolve by NPI, and an
//! unknown NPI creates a provider from the reference's display. Any other unresolved
//! reference to a patient, encounter or practitioner rejects the file naming entry and field.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::fhir::{NPI_SYSTEM, ParsedResource, Resource};
use super::write::{Change, Origin, Writer, in_file_tx, int, opt, txt};
use super::{FileFail, FileStats, ImportError};
use crate::audit::Actor;
use crate::store::Store;

/// Write one file's resources. A transaction Bundle, or a small file, is one transaction
/// (all-or-nothing). Any other Bundle (batch, collection, searchset) is written in groups of
/// entries in dependency order (organizations, practitioners, patients, encounters, then the
/// rest), each group one transaction of about `budget` of work: references into an earlier
/// group resolve to its committed rows. A group that fails is rolled back whole and listed
/// (its first error names the entry and field); entries that refer to it then fail too.
pub(super) fn apply(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    parsed: &[ParsedResource],
    atomic: bool,
    budget: Duration,
) -> Result<FileStats, FileFail> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut typed: HashMap<String, usize> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        if let Some(u) = &p.full_url {
            index.insert(u.as_str(), i);
        }
        typed.insert(format!("{}/{}", p.resource_type, p.id), i);
    }
    let bundle = Bundle {
        parsed,
        index,
        typed,
    };
    let mut st = State::default();
    let mut skipped = FileStats::default();
    for p in parsed {
        if matches!(p.data, Resource::Other) {
            skipped.skipped += 1;
            *st.skipped_types.entry(p.resource_type.clone()).or_default() += 1;
        }
    }
    for (t, n) in &st.skipped_types {
        skipped
            .notes
            .push(format!("skipped {n} {t} resource(s): not imported"));
    }
    let mut order: Vec<usize> = (0..parsed.len()).collect();
    if atomic || parsed.len() <= GROUP_START {
        let mut s = write_group(store, actor, file, &bundle, &order, &mut st)?;
        s.skipped += skipped.skipped;
        s.notes.extend(skipped.notes);
        return Ok(s);
    }
    let rank = |t: &str| match t {
        "Organization" => 0,
        "Practitioner" => 1,
        "Patient" => 2,
        "Encounter" => 3,
        _ => 4,
    };
    order.sort_by_key(|&i| (rank(&parsed[i].resource_type), i));
    let mut stats = skipped;
    let (mut rest, mut size) = (&order[..], GROUP_START);
    while !rest.is_empty() {
        // A group holds one kind of resource (their costs differ): it ends where the rank does.
        let r0 = rank(&parsed[rest[0]].resource_type);
        let mut end = size.min(rest.len());
        if let Some(k) = rest[..end]
            .iter()
            .position(|&i| rank(&parsed[i].resource_type) != r0)
        {
            end = k;
        }
        let group = &rest[..end];
        let started = Instant::now();
        match write_group(store, actor, file, &bundle, group, &mut st) {
            Ok(s) => {
                stats.created += s.created;
                stats.updated += s.updated;
                stats.unchanged += s.unchanged;
                stats.discharges += s.discharges;
                stats.notes.extend(s.notes);
                stats.transactions += s.transactions;
                stats.longest_write_ms = stats.longest_write_ms.max(s.longest_write_ms);
            }
            Err(FileFail::Rejected(e)) => {
                // Its rows were rolled back: forget their ids (and cached MRNs, whose
                // patient ids may be reused).
                for i in group {
                    st.ids.remove(i);
                }
                st.mrn.clear();
                let first = group.iter().map(|&i| parsed[i].entry).min().unwrap_or(0);
                let last = group.iter().map(|&i| parsed[i].entry).max().unwrap_or(0);
                stats.rejects.push(ImportError::new(
                    file,
                    e.location.clone(),
                    format!(
                        "{} (the {} entries of its group, entries {first}..{last} in dependency order, were not imported)",
                        e.message,
                        group.len()
                    ),
                ));
            }
            Err(fatal) => return Err(fatal),
        }
        rest = &rest[group.len()..];
        // Size the next group from this one's pace (at most doubling); a new kind of resource
        // starts small again.
        let took = started.elapsed().as_secs_f64().max(1e-4);
        let fit = (group.len() as f64 * budget.as_secs_f64() / took) as usize;
        size = if rest
            .first()
            .is_some_and(|&i| rank(&parsed[i].resource_type) != r0)
        {
            GROUP_FIRST_OF_KIND
        } else {
            fit.min(2 * group.len()).clamp(10, 5_000)
        };
        if !rest.is_empty() {
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
    }
    Ok(stats)
}

/// Entries in the first group of a grouped Bundle (later groups are sized by time); a file
/// with no more entries than this is written in one transaction.
const GROUP_START: usize = 200;

/// Entries in the first group of each kind of resource after the first.
const GROUP_FIRST_OF_KIND: usize = 25;

/// One transaction over the entries `group` (bundle positions) of the file.
fn write_group(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    bundle: &Bundle<'_>,
    group: &[usize],
    st: &mut State,
) -> Result<FileStats, FileFail> {
    let parsed = bundle.parsed;
    let in_group: std::collections::HashSet<usize> = group.iter().copied().collect();
    in_file_tx(store, actor, file, |w| {
        for (pass, want) in ["Organization", "Practitioner", "Patient"]
            .iter()
            .enumerate()
        {
            for (i, p) in group
                .iter()
                .map(|&i| (i, &parsed[i]))
                .filter(|(_, p)| p.resource_type == *want)
            {
                let origin = Origin {
                    at: &p.at(),
                    source_key: &p.source_key(),
                };
                let id = match (&p.data, pass) {
                    (Resource::Organization(o), _) => {
                        let found =
                            w.find("organizations", "source_key", origin.source_key, origin.at)?;
                        let cols = [
                            ("name", txt(&o.name)),
                            ("npi", opt(o.npi.as_deref())),
                            ("source", txt("fhir")),
                            ("source_key", txt(origin.source_key)),
                        ];
                        w.upsert(
                            "organizations",
                            "organization",
                            found,
                            &cols,
                            &origin,
                            None,
                            None,
                        )?
                        .0
                    }
                    (Resource::Practitioner(d), _) => {
                        let found = match &d.npi {
                            Some(n) => w.find("providers", "npi", n, origin.at)?,
                            None => None,
                        };
                        let found = match found {
                            Some(f) => Some(f),
                            None => {
                                w.find("providers", "source_key", origin.source_key, origin.at)?
                            }
                        };
                        provider(w, found, d.npi.as_deref(), &d.family, &d.given, &origin)?
                    }
                    (Resource::Patient(d), _) => {
                        // IMP-ID-01: another person's MRN registers this Patient as
                        // `<resource id>:<MRN>`.
                        let (found, mrn, conflict) = w.match_patient(
                            origin.source_key,
                            &d.mrn,
                            Some(&d.birth_date),
                            Some(d.sex),
                            &p.id,
                            origin.at,
                        )?;
                        let cols = [
                            ("mrn", txt(&mrn)),
                            ("family_name", txt(&d.family)),
                            ("given_name", txt(&d.given)),
                            ("birth_date", txt(&d.birth_date)),
                            ("sex", txt(d.sex)),
                        ];
                        let (id, change) = w.upsert(
                            "patients",
                            "patient",
                            found,
                            &cols,
                            &origin,
                            Some(&mrn),
                            None,
                        )?;
                        if change == Change::Created {
                            set_source(w, "patients", id, origin.source_key, origin.at)?;
                        }
                        if let Some(why) = conflict {
                            w.flag_identity_conflict(id, &mrn, why, origin.at);
                        }
                        if let Some(other) = &d.replaced_by {
                            super::fhir_link::replaced_by(w, id, other, &origin)?;
                        }
                        st.mrn.insert(id, mrn);
                        id
                    }
                    _ => continue,
                };
                st.ids.insert(i, id);
            }
        }
        // Claims: total charges per encounter (all claims that name it, summed).
        let mut charges: HashMap<Target, i64> = HashMap::new();
        for p in group.iter().map(|&i| &parsed[i]) {
            if let Resource::Claim(c) = &p.data
                && let Some(cents) = c.total_cents
            {
                for (k, e) in c.encounters.iter().enumerate() {
                    let field = format!("item.encounter[{k}]");
                    let t = bundle.resolve(w, e, "Encounter", p, &field)?;
                    *charges.entry(t).or_default() += cents;
                }
            }
        }
        for (i, p) in group.iter().map(|&i| (i, &parsed[i])) {
            let Resource::Encounter(d) = &p.data else {
                continue;
            };
            let at = p.at();
            let origin = Origin {
                at: &at,
                source_key: &p.source_key(),
            };
            let patient = bundle.patient(w, &d.subject, st, p, "subject")?;
            let mrn = st.mrn_of(w, patient, &at)?;
            let attending = match &d.attending {
                Some((r, field)) => Some(bundle.practitioner(w, r, st, p, field)?),
                None => None,
            };
            let found = match w.find("encounters", "source_key", origin.source_key, &at)? {
                Some(f) => Some(f),
                None => w.find("encounters", "visit_number", &d.visit_number, &at)?,
            };
            let mut old_discharge = None;
            if let Some(f) = found {
                let owner = w.text("encounters", "CAST(patient_id AS TEXT)", f, &at)?;
                if owner.as_deref() != Some(patient.to_string().as_str()) {
                    return Err(w.reject(
                        &format!("{at}, identifier"),
                        format!(
                            "visit number {} already belongs to another patient",
                            d.visit_number
                        ),
                    ));
                }
                old_discharge = w.text("encounters", "discharge_at", f, &at)?;
            }
            let mut cols = vec![
                ("visit_number", txt(&d.visit_number)),
                ("patient_id", int(Some(patient))),
                ("kind", txt(d.kind)),
                ("service", txt(&d.service)),
                ("admit_at", txt(&d.admit_at)),
                ("discharge_at", opt(d.discharge_at.as_deref())),
                ("attending_id", int(attending)),
                ("discharge_disposition", opt(d.disposition.as_deref())),
                ("reason", txt(&d.reason)),
            ];
            if let Some(c) = charges.get(&Target::Bundle(i)) {
                cols.push(("total_charges_cents", int(Some(*c))));
            }
            if found.is_none() {
                cols.push(("source", txt("fhir")));
                cols.push(("source_key", txt(origin.source_key)));
            }
            let (id, _) = w.upsert(
                "encounters",
                "encounter",
                found,
                &cols,
                &origin,
                Some(&mrn),
                None,
            )?;
            st.ids.insert(i, id);
            if old_discharge.is_none() && d.discharge_at.is_some() {
                w.discharged(id, &at)?;
            }
        }
        // Claims for encounters imported earlier (not in this bundle, or in an earlier group).
        for (t, cents) in &charges {
            let id = match t {
                Target::Db(id) => Some(*id),
                Target::Bundle(i) if !in_group.contains(i) => st.ids.get(i).copied(),
                Target::Bundle(_) => None,
            };
            if let Some(id) = &id {
                let at = format!("encounter {id} (claim total)");
                let mrn = w.text(
                    "encounters",
                    "(SELECT mrn FROM patients WHERE id = encounters.patient_id)",
                    *id,
                    &at,
                )?;
                let origin = Origin {
                    at: &at,
                    source_key: "fhir:Claim",
                };
                w.upsert(
                    "encounters",
                    "encounter",
                    Some(*id),
                    &[("total_charges_cents", int(Some(*cents)))],
                    &origin,
                    mrn.as_deref(),
                    None,
                )?;
            }
        }
        let mut replaced: Vec<usize> = Vec::new();
        for (i, p) in group.iter().map(|&i| (i, &parsed[i])) {
            let at = p.at();
            let origin = Origin {
                at: &at,
                source_key: &p.source_key(),
            };
            match &p.data {
                Resource::Fact(d) => {
                    let patient = bundle.patient(w, &d.subject, st, p, "subject")?;
                    let mrn = st.mrn_of(w, patient, &at)?;
                    let encounter = match &d.encounter {
                        Some(e) => Some(bundle.db_id(w, e, "Encounter", st, p, "encounter")?),
                        None => None,
                    };
                    let performer = match &d.performer {
                        Some(r) => Some(bundle.practitioner(w, r, st, p, "performer[0].actor")?),
                        None => None,
                    };
                    let found = w.find("clinical_facts", "source_key", origin.source_key, &at)?;
                    let cols = [
                        ("encounter_id", int(encounter)),
                        ("patient_id", int(Some(patient))),
                        ("kind", txt(d.kind)),
                        ("system", txt(&d.system)),
                        ("code", txt(&d.code)),
                        ("display", txt(&d.display)),
                        ("occurred_at", opt(d.occurred_at.as_deref())),
                        ("performer_id", int(performer)),
                        ("category", txt(&d.category)),
                        ("source", txt("fhir")),
                        ("source_key", txt(origin.source_key)),
                    ];
                    w.upsert(
                        "clinical_facts",
                        "clinical_fact",
                        found,
                        &cols,
                        &origin,
                        Some(&mrn),
                        encounter,
                    )?;
                }
                Resource::Document(d) => {
                    let encounter = bundle.db_id(
                        w,
                        &d.encounter,
                        "Encounter",
                        st,
                        p,
                        "context.encounter[0]",
                    )?;
                    let mrn = w
                        .text(
                            "encounters",
                            "(SELECT mrn FROM patients WHERE id = encounters.patient_id)",
                            encounter,
                            &at,
                        )?
                        .unwrap_or_default();
                    let author = match &d.author {
                        Some(r) => Some(bundle.practitioner(w, r, st, p, "author[0]")?),
                        None => None,
                    };
                    if let Some(r) = &d.authenticator {
                        bundle.practitioner(w, r, st, p, "authenticator")?;
                    }
                    let found = w.find("documents", "source_key", origin.source_key, &at)?;
                    let (mut status, mut signed_at) = (d.status.to_string(), d.signed_at.clone());
                    if let Some(f) = found {
                        let old = w.text("documents", "status", f, &at)?.unwrap_or_default();
                        if keep_old_status(&old, d.status) {
                            status = old;
                            signed_at = w.text("documents", "signed_at", f, &at)?;
                        }
                    }
                    let cols = [
                        ("encounter_id", int(Some(encounter))),
                        ("doc_type", txt(&d.doc_type)),
                        ("title", txt(&d.title)),
                        ("author_id", int(author)),
                        ("status", txt(&status)),
                        ("service_at", txt(&d.service_at)),
                        ("signed_at", opt(signed_at.as_deref())),
                        ("body", txt(&d.body)),
                        ("superseded", int(Some(i64::from(d.superseded)))),
                        ("source", txt("fhir")),
                        ("source_key", txt(origin.source_key)),
                    ];
                    let (doc_id, _) = w.upsert(
                        "documents",
                        "document",
                        found,
                        &cols,
                        &origin,
                        Some(&mrn),
                        Some(encounter),
                    )?;
                    st.ids.insert(i, doc_id);
                    if !d.replaces.is_empty() {
                        replaced.push(i);
                    }
                }
                Resource::Order(d) => {
                    let encounter =
                        bundle.db_id(w, &d.encounter, "Encounter", st, p, "encounter")?;
                    let patient = bundle.patient(w, &d.subject, st, p, "subject")?;
                    let mrn = st.mrn_of(w, patient, &at)?;
                    // requester/performer may be a Practitioner (kept) or an Organization,
                    // PractitionerRole or CareTeam (not a provider: left empty).
                    let mut who = |w: &mut Writer<'_, '_>, r: &Option<String>, field: &str| match r
                    {
                        Some(r)
                            if r.starts_with("Practitioner")
                                || bundle.target_type(r) == Some("Practitioner") =>
                        {
                            bundle.practitioner(w, r, st, p, field).map(Some)
                        }
                        _ => Ok(None),
                    };
                    let orderer = who(w, &d.requester, "requester")?;
                    let performer = who(w, &d.performer, "performer[0]")?;
                    let found = w.find("orders", "source_key", origin.source_key, &at)?;
                    let cols = [
                        ("encounter_id", int(Some(encounter))),
                        ("kind", txt(d.kind)),
                        ("code", txt(&d.code)),
                        ("description", txt(&d.description)),
                        ("ordered_at", txt(&d.ordered_at)),
                        ("orderer_id", int(orderer)),
                        ("performer_id", int(performer)),
                        ("status", txt(d.status)),
                        ("source", txt("fhir")),
                        ("source_key", txt(origin.source_key)),
                    ];
                    let (_, change) = w.upsert(
                        "orders",
                        "order",
                        found,
                        &cols,
                        &origin,
                        Some(&mrn),
                        Some(encounter),
                    )?;
                    if change != Change::Unchanged {
                        w.touched.push(encounter);
                    }
                }
                _ => {}
            }
        }
        // relatesTo replaces: the older version is superseded, never chased (after every
        // document of the group is in, so the order of entries does not matter).
        for i in replaced {
            let p = &parsed[i];
            let Resource::Document(d) = &p.data else {
                continue;
            };
            let at = p.at();
            let origin = Origin {
                at: &at,
                source_key: &p.source_key(),
            };
            for (k, target) in d.replaces.iter().enumerate() {
                let field = format!("relatesTo[{k}].target");
                let old = bundle.db_id(w, target, "DocumentReference", st, p, &field)?;
                let old_enc = w
                    .text("documents", "CAST(encounter_id AS TEXT)", old, &at)?
                    .and_then(|e| e.parse::<i64>().ok());
                let mrn = match old_enc {
                    Some(e) => w.text(
                        "encounters",
                        "(SELECT mrn FROM patients WHERE id = encounters.patient_id)",
                        e,
                        &at,
                    )?,
                    None => None,
                };
                w.upsert(
                    "documents",
                    "document",
                    Some(old),
                    &[("superseded", int(Some(1)))],
                    &origin,
                    mrn.as_deref(),
                    old_enc,
                )?;
            }
        }
        Ok(())
    })
}

/// Document status never moves backward (DOMAIN §1): an incoming status earlier in the chain
/// than the stored one keeps the stored one; `amended`/`entered_in_error` always apply, and a
/// stored side state is kept against a chain status.
pub(super) fn keep_old_status(old: &str, new: &str) -> bool {
    fn rank(s: &str) -> Option<u8> {
        [
            "incomplete",
            "dictated",
            "transcribed",
            "signed",
            "cosigned",
            "reviewed",
        ]
        .iter()
        .position(|x| *x == s)
        .map(|p| p as u8)
    }
    match (rank(old), rank(new)) {
        (_, None) => false,
        (None, Some(_)) => !old.is_empty(),
        (Some(o), Some(n)) => n < o,
    }
}

fn set_source(
    w: &mut Writer<'_, '_>,
    table: &str,
    id: i64,
    key: &str,
    at: &str,
) -> Result<(), FileFail> {
    let sql = format!(
        "UPDATE {table} SET source = 'fhir', source_key = ?1 WHERE id = ?2 AND source_key IS NULL"
    );
    w.tx.execute(&sql, rusqlite::params![key, id])
        .map_err(|e| w.db(at, e))?;
    Ok(())
}

fn provider(
    w: &mut Writer<'_, '_>,
    found: Option<i64>,
    npi: Option<&str>,
    family: &str,
    given: &str,
    origin: &Origin<'_>,
) -> Result<i64, FileFail> {
    let mut cols = vec![
        ("npi", opt(npi)),
        ("family_name", txt(family)),
        ("given_name", txt(given)),
    ];
    if found.is_none() {
        cols.push(("source", txt("fhir")));
        cols.push(("source_key", txt(origin.source_key)));
    }
    Ok(
        w.upsert("providers", "provider", found, &cols, origin, None, None)?
            .0,
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Target {
    Bundle(usize),
    Db(i64),
}

#[derive(Default)]
struct State {
    /// Database id of each bundle position written so far.
    ids: HashMap<usize, i64>,
    mrn: HashMap<i64, String>,
    skipped_types: std::collections::BTreeMap<String, usize>,
}

impl State {
    fn mrn_of(&mut self, w: &Writer<'_, '_>, patient: i64, at: &str) -> Result<String, FileFail> {
        if let Some(m) = self.mrn.get(&patient) {
            return Ok(m.clone());
        }
        let m = w.text("patients", "mrn", patient, at)?.unwrap_or_default();
        self.mrn.insert(patient, m.clone());
        Ok(m)
    }
}

struct Bundle<'p> {
    parsed: &'p [ParsedResource],
    index: HashMap<&'p str, usize>,
    typed: HashMap<String, usize>,
}

fn table_of(ty: &str) -> &'static str {
    match ty {
        "Patient" => "patients",
        "Encounter" => "encounters",
        "Practitioner" => "providers",
        "DocumentReference" => "documents",
        _ => "organizations",
    }
}

impl Bundle<'_> {
    /// Resolve a reference to a bundle position or an existing row; unresolved → reject.
    fn resolve(
        &self,
        w: &Writer<'_, '_>,
        reference: &str,
        want: &str,
        from: &ParsedResource,
        field: &str,
    ) -> Result<Target, FileFail> {
        let at = format!("{}, {field}", from.at());
        let pos = self.index.get(reference).copied().or_else(|| {
            let mut parts = reference.rsplit('/');
            let id = parts.next()?;
            let ty = parts.next()?;
            self.typed.get(&format!("{ty}/{id}")).copied()
        });
        if let Some(i) = pos {
            let ty = &self.parsed[i].resource_type;
            if ty != want {
                return Err(w.reject(
                    &at,
                    format!("reference {reference} is a {ty}, expected {want}"),
                ));
            }
            return Ok(Target::Bundle(i));
        }
        if let Some(rest) = reference.strip_prefix(&format!("{want}/")) {
            let key = format!("fhir:{want}/{rest}");
            if let Some(id) = w.find(table_of(want), "source_key", &key, &at)? {
                return Ok(Target::Db(id));
            }
        }
        if want == "Practitioner"
            && let Some(npi) = conditional_npi(reference)
            && let Some(id) = w.find("providers", "npi", npi, &at)?
        {
            return Ok(Target::Db(id));
        }
        Err(w.reject(
            &at,
            format!(
                "reference {reference} does not resolve to a {want} in this file or the database"
            ),
        ))
    }

    fn db_id(
        &self,
        w: &Writer<'_, '_>,
        reference: &str,
        want: &str,
        st: &State,
        from: &ParsedResource,
        field: &str,
    ) -> Result<i64, FileFail> {
        match self.resolve(w, reference, want, from, field)? {
            Target::Db(id) => Ok(id),
            Target::Bundle(i) => st.ids.get(&i).copied().ok_or_else(|| {
                w.reject(
                    &format!("{}, {field}", from.at()),
                    format!("reference {reference} points to an entry that was not imported"),
                )
            }),
        }
    }

    fn patient(
        &self,
        w: &Writer<'_, '_>,
        reference: &str,
        st: &mut State,
        from: &ParsedResource,
        field: &str,
    ) -> Result<i64, FileFail> {
        self.db_id(w, reference, "Patient", st, from, field)
    }

    /// A practitioner reference; an unknown conditional NPI reference creates the provider.
    fn practitioner(
        &self,
        w: &mut Writer<'_, '_>,
        reference: &str,
        st: &mut State,
        from: &ParsedResource,
        field: &str,
    ) -> Result<i64, FileFail> {
        if let Some(npi) = conditional_npi(reference)
            && self
                .resolve(w, reference, "Practitioner", from, field)
                .is_err()
        {
            let display = self
                .display_of(from, reference)
                .unwrap_or_else(|| format!("NPI {npi}"));
            let (family, given) = split_display(&display);
            let key = format!("fhir:Practitioner?npi={npi}");
            let at = format!("{}, {field}", from.at());
            let origin = Origin {
                at: &at,
                source_key: &key,
            };
            return provider(w, None, Some(npi), &family, &given, &origin);
        }
        self.db_id(w, reference, "Practitioner", st, from, field)
    }

    /// The resource type a reference points to inside this bundle, if it does.
    fn target_type(&self, reference: &str) -> Option<&str> {
        let i = self.index.get(reference).copied()?;
        Some(self.parsed[i].resource_type.as_str())
    }

    /// The `display` next to a reference string inside the resource's JSON, if any.
    fn display_of(&self, from: &ParsedResource, reference: &str) -> Option<String> {
        from.ref_displays
            .iter()
            .find(|(r, _)| r == reference)
            .map(|(_, d)| d.clone())
    }
}

/// `Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999955949` → the NPI.
fn conditional_npi(reference: &str) -> Option<&str> {
    let q = reference.strip_prefix("Practitioner?identifier=")?;
    let (system, value) = q.split_once('|')?;
    (system == NPI_SYSTEM && !value.is_empty()).then_some(value)
}

/// `Dr. Ronny764 Block661` → (`Block661`, `Ronny764`).
fn split_display(display: &str) -> (String, String) {
    let words: Vec<&str> = display
        .split_whitespace()
        .filter(|w| !matches!(*w, "Dr." | "Mr." | "Mrs." | "Ms."))
        .collect();
    match words.split_last() {
        Some((last, rest)) => (last.to_string(), rest.join(" ")),
        None => (display.to_string(), String::new()),
    }
}
