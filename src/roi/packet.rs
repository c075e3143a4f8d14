//! The release packet (DOMAIN §8 "Release packet"): pure construction of its files from the
//! released documents, and a small zip writer (deflate via flate2, no extra crate).
//!
//! Files: `manifest.json` (what, for whom, why, under which authorization, SHA-256 of every
//! other file), `README.txt`, `documents/*.txt` (each document rendered as readable UTF-8
//! text; chartdesk has no embeddable font, so documents are text, not PDF, and the manifest
//! says so), `bundle.json` (FHIR R4 Bundle of type `collection`: Patient, DocumentReference,
//! Binary), `invoice.txt`, `authorization.json` (a copy of the form the release rests on,
//! when there is one; 42 CFR 2.32(a)(2) wants it with Part 2 records) and
//! `notice-42cfr2.32.txt` when 42 CFR Part 2 records are disclosed under consent (never with
//! the individual's own copy).
//!
//! Invariants: the checksums in the manifest are computed from the exact bytes returned here;
//! no file states an enclosure the packet lacks; FHIR instants are true UTC or carry the
//! facility's offset.

use std::io::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::category::Category;
use super::fees::Fee;

/// The 42 CFR 2.32(a)(1) notice that accompanies each disclosure of Part 2 records (as
/// amended by the 2024 final rule).
pub const PART2_NOTICE: &str = "NOTICE TO RECIPIENT (42 CFR 2.32)\n\n\
This record which has been disclosed to you is protected by Federal confidentiality rules \
(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony \
that describes the information contained in this record, in any civil, criminal, \
administrative, or legislative proceedings by any Federal, State, or local authority, against \
the patient, unless authorized by the consent of the patient, except as provided at 42 CFR \
2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, the \
Federal rules prohibit you from making any other use or disclosure of this record unless at \
least one of the following applies:\n\n\
(i) Further use or disclosure is expressly permitted by the written consent of the individual \
whose information is being disclosed in this record or as otherwise permitted by 42 CFR part 2.\n\
(ii) You are a covered entity or business associate and have received the record for \
treatment, payment, or health care operations, or\n\
(iii) You have received the record from a covered entity or business associate as permitted \
by 45 CFR part 164, subparts A and E.\n\n\
A general authorization for the release of medical or other information is NOT sufficient to \
meet the required elements of written consent to further use or redisclose the record \
(see 42 CFR 2.31).\n";

/// The 2.32 notice as sent: [`PART2_NOTICE`] plus, only when the packet holds it, the sentence
/// that the consent is enclosed (42 CFR 2.32(a)(2)).
pub fn part2_notice_text(consent_enclosed: bool) -> String {
    let mut s = PART2_NOTICE.to_string();
    if consent_enclosed {
        s += "\nA copy of the consent under which this record was disclosed is enclosed (authorization.json).\n";
    }
    s
}

/// File name of the Part 2 notice in a packet.
pub const PART2_NOTICE_FILE: &str = "notice-42cfr2.32.txt";

/// The documents rendered as text (`release_document_format = TEXT`).
pub const DOCUMENT_FORMAT: &str = "text/plain; charset=utf-8";
/// The documents rendered as stamped PDF/A-2b (`release_document_format = PDF`, the default).
pub const PDF_FORMAT: &str = "application/pdf";

/// A file that goes in the packet beside the documents: a letter (rendered like a document:
/// stamped PDF, or text) or a scanned signed form (kept as received; an image scan is also
/// drawn on a stamped PDF page).
#[derive(Clone, Debug)]
pub struct Enclosure {
    /// Path without extension inside the packet (`letters/cover-letter`,
    /// `attachments/authorization-3`).
    pub stem: String,
    pub title: String,
    pub body: EnclosureBody,
    /// Before the documents (a cover letter) rather than after them.
    pub front: bool,
}

#[derive(Clone, Debug)]
pub enum EnclosureBody {
    Text(String),
    /// A scan as received: its bytes, and its file extension (`pdf`, `png`, `jpg`).
    Scan {
        bytes: Vec<u8>,
        ext: String,
    },
}

/// One document going out.
#[derive(Clone, Debug)]
pub struct PacketDoc {
    pub document_id: i64,
    pub doc_type: String,
    pub title: String,
    pub status: String,
    pub service_at: String,
    pub visit_number: String,
    pub author: String,
    pub categories: Vec<Category>,
    /// Why the document is not complete (unsigned, awaiting cosignature); `None` = complete.
    pub incomplete: Option<String>,
    /// Who acknowledged releasing it as it stands.
    pub incomplete_ack: Option<String>,
    pub body: String,
}

/// A document kept out, and why (listed in the manifest without its content).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Withheld {
    pub document_id: i64,
    pub doc_type: String,
    pub reason: String,
}

/// Everything a packet states. `header` holds the manifest's request facts (request id,
/// patient, requester, purpose, basis, authorization summary, releaser, QA user, date,
/// disclosure id); it is copied into the manifest as is.
#[derive(Clone, Debug)]
pub struct PacketInput {
    pub request_label: String,
    pub facility: String,
    pub patient_mrn: String,
    pub patient_family: String,
    pub patient_given: String,
    pub patient_birth_date: String,
    pub patient_sex: String,
    pub released_at: String,
    pub header: Value,
    pub docs: Vec<PacketDoc>,
    pub withheld: Vec<Withheld>,
    pub excluded_categories: Vec<Category>,
    pub authorization: Option<Value>,
    pub fee: Fee,
    pub fee_method: String,
    pub requester_name: String,
    /// Part 2 records disclosed under consent: the 42 CFR 2.32 notice goes with them.
    pub part2_notice: bool,
    /// Why a document labelled sensitive goes out, in words, as stated on it (the
    /// individual's own access, the authorization that names it, …); never claims more.
    pub sensitive_basis: String,
    /// `Some(bates prefix)`: documents and letters as stamped PDF/A-2b; `None`: as text.
    pub pdf: Option<String>,
    /// Letters and signed forms that go with the documents.
    pub enclosures: Vec<Enclosure>,
}

/// Pages of a rendered document: 60 lines of at most 90 columns a page, at least one — the
/// very layout of the PDF pages ([`crate::pdf::page_lines`]), so fees and manifests count
/// true pages.
pub fn pages_of(text: &str) -> u32 {
    u32::try_from(crate::pdf::page_lines(text).len()).unwrap_or(u32::MAX)
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Standard base64 with padding (FHIR Binary.data).
pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn wrap(line: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out
}

/// A document as readable text: a header identifying it, then the body wrapped at 90 columns.
pub fn render_document(input: &PacketInput, d: &PacketDoc) -> String {
    let clean = |s: &str| crate::text::sanitize_line(s).into_owned();
    let mut s = String::new();
    s += &format!("{}\n", clean(&input.facility));
    s += &format!(
        "Patient: {}, {}  MRN {}  DOB {}\n",
        clean(&input.patient_family),
        clean(&input.patient_given),
        clean(&input.patient_mrn),
        clean(&input.patient_birth_date)
    );
    s += &format!(
        "Document {}: {} (LOINC {})\n",
        d.document_id,
        clean(&d.title),
        clean(&d.doc_type)
    );
    s += &format!(
        "Encounter {}  Service {}  Status {}  Author {}\n",
        clean(&d.visit_number),
        clean(&d.service_at),
        d.status.to_uppercase(),
        clean(&d.author)
    );
    if !d.categories.is_empty() {
        let c: Vec<&str> = d.categories.iter().map(|c| c.as_str()).collect();
        s += &format!("Sensitive: {} ({})\n", c.join(", "), input.sensitive_basis);
    }
    if let Some(why) = &d.incomplete {
        s += &format!(
            "INCOMPLETE: {why}; released as it stands{}\n",
            d.incomplete_ack
                .as_deref()
                .map(|u| format!(" (acknowledged by {})", clean(u)))
                .unwrap_or_default()
        );
    }
    s += &format!(
        "Released {} for {} ({})\n",
        input.released_at,
        clean(&input.requester_name),
        input.request_label
    );
    s += &"-".repeat(90);
    s.push('\n');
    for line in crate::text::sanitize(&d.body).lines() {
        for w in wrap(line, 90) {
            s += &w;
            s.push('\n');
        }
    }
    s
}

const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const CONFIDENTIALITY: &str = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

/// FHIR `meta.security` of a document with these categories (HL7 DS4P): the v3 ActCode
/// sensitivity of each category; for Part 2 records also the `42CFRPart2` privacy law and the
/// `NORDSCLCD` refrain (no redisclosure without consent); and the `R` (restricted)
/// confidentiality whenever any category is present.
pub fn security_labels(categories: &[Category]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for c in categories {
        let (code, display) = security_label(*c);
        out.push(json!({"system": ACT_CODE, "code": code, "display": display}));
        if *c == Category::SudPart2 {
            out.push(json!({"system": ACT_CODE, "code": "42CFRPart2", "display": "42 CFR Part2"}));
            out.push(json!({"system": ACT_CODE, "code": "NORDSCLCD", "display": "no redisclosure without consent directive"}));
        }
    }
    if !categories.is_empty() {
        out.push(json!({"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}));
    }
    out
}

/// A facility-local `YYYY-MM-DDTHH:MM[:SS]` (or a date) as a FHIR instant with the facility's
/// offset on that date (`2026-03-05T14:30:00-05:00`); a value that already carries a zone is
/// kept. Local times that do not exist (a DST gap) take the offset in force just before.
pub fn fhir_instant(local: &str) -> String {
    use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone};
    // The facility's zone (the `facility_timezone` setting), never the process's.
    let zone = crate::clock::cached_zone();
    let t = local.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    }
    let naive = NaiveDateTime::parse_from_str(t.get(..19).unwrap_or(t), "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t.get(..16).unwrap_or(t), "%Y-%m-%dT%H:%M"))
        .or_else(|_| {
            NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        });
    let Ok(naive) = naive else {
        return t.to_string();
    };
    let offset = match zone.from_local_datetime(&naive).earliest() {
        Some(dt) => dt.offset().fix(),
        None => zone
            .offset_from_utc_datetime(&(naive - chrono::Duration::hours(1)))
            .fix(),
    };
    match offset.from_local_datetime(&naive).single() {
        Some(dt) => dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        None => t.to_string(),
    }
}

/// v3 ActCode sensitivity label of a category.
fn security_label(c: Category) -> (&'static str, &'static str) {
    match c {
        Category::SudPart2 => ("ETH", "substance abuse information sensitivity"),
        Category::Psychotherapy => ("PSYTHPN", "psychotherapy note information sensitivity"),
        Category::Hiv => ("HIV", "HIV/AIDS information sensitivity"),
        Category::MentalHealth => ("PSY", "psychiatry disorder information sensitivity"),
        Category::Genetic => ("GDIS", "genetic disease information sensitivity"),
        Category::Reproductive => (
            "SEX",
            "sexuality and reproductive health information sensitivity",
        ),
    }
}

fn uuid_for(seed: &str) -> String {
    let h = sha256_hex(seed.as_bytes());
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// FHIR R4 Bundle (type `collection`: no Composition) holding the Patient, one
/// DocumentReference and one Binary per released document.
pub fn fhir_bundle(input: &PacketInput, laid: &[super::packet_pdf::LaidFile]) -> Value {
    let seed = format!("{}|{}", input.request_label, input.released_at);
    let patient_url = uuid_for(&format!("{seed}|patient"));
    let gender = match input.patient_sex.as_str() {
        "F" => "female",
        "M" => "male",
        "O" => "other",
        _ => "unknown",
    };
    let mut entries = vec![json!({
        "fullUrl": patient_url,
        "resource": {
            "resourceType": "Patient",
            "identifier": [{"system": "urn:chartdesk:mrn", "value": input.patient_mrn}],
            "name": [{"family": input.patient_family, "given": [input.patient_given]}],
            "birthDate": input.patient_birth_date,
            "gender": gender
        }
    })];
    for (d, file) in input.docs.iter().zip(laid) {
        let bin_url = uuid_for(&format!("{seed}|binary|{}", d.document_id));
        let security = security_labels(&d.categories);
        let doc_status = match d.status.as_str() {
            "signed" | "cosigned" | "reviewed" => "final",
            "amended" => "amended",
            _ => "preliminary",
        };
        let mut docref = json!({
            "resourceType": "DocumentReference",
            "identifier": [{"system": "urn:chartdesk:document", "value": d.document_id.to_string()}],
            "status": "current",
            "docStatus": doc_status,
            "type": {"coding": [{"system": "http://loinc.org", "code": d.doc_type}], "text": d.title},
            "subject": {"reference": patient_url},
            "date": fhir_instant(&d.service_at),
            "content": [{"attachment": {
                "contentType": file.content_type,
                "url": bin_url,
                "title": d.title,
                "size": file.bytes.len()
            }}],
            "context": {"encounter": [{"identifier": {"system": "urn:chartdesk:visit", "value": d.visit_number}}]}
        });
        if !security.is_empty()
            && let Some(o) = docref.as_object_mut()
        {
            o.insert("meta".into(), json!({"security": security}));
        }
        entries.push(json!({"fullUrl": uuid_for(&format!("{seed}|docref|{}", d.document_id)), "resource": docref}));
        entries.push(json!({
            "fullUrl": bin_url,
            "resource": {"resourceType": "Binary", "contentType": file.content_type, "data": base64(&file.bytes)}
        }));
    }
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "identifier": {"system": "urn:chartdesk:release", "value": input.request_label},
        "timestamp": input.released_at,
        "entry": entries
    })
}

fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// The invoice (ROI-04): one line per fee component, the rule it follows, the total.
pub fn invoice_text(input: &PacketInput) -> String {
    let mut s = format!(
        "INVOICE {}\n{}\nTo: {}\nMethod: {}\nRule: {}\n\n",
        input.request_label,
        crate::text::sanitize_line(&input.facility),
        crate::text::sanitize_line(&input.requester_name),
        input.fee_method,
        input.fee.rule
    );
    for l in input.fee.lines.iter().filter(|l| l.cents > 0) {
        s += &format!("{:<30} {:>10}\n", l.label, dollars(l.cents));
    }
    s += &format!("{:<30} {:>10}\n", "TOTAL", dollars(input.fee.cents));
    for n in &input.fee.notes {
        s += &format!("Note: {n}\n");
    }
    if !input.fee.basis_note.is_empty() {
        s += input.fee.basis_note;
        s.push('\n');
    }
    s
}

fn readme(input: &PacketInput, part2: bool) -> String {
    let mut s = format!(
        "Release packet {} from {}.\n\n\
         manifest.json   what was released, to whom, why, under which authorization, and the\n\
         \x20               SHA-256 checksum of every other file in this packet\n\
         documents/      one file per document, {}\n\
         bundle.json     the same documents as a FHIR R4 Bundle (type collection)\n\
         invoice.txt     the fee and the rule it follows\n",
        input.request_label,
        crate::text::sanitize_line(&input.facility),
        if input.pdf.is_some() {
            "PDF/A-2b; every page stamped with the patient, the request,\n\
             \x20               Page n of N and a Bates number running through the packet"
        } else {
            "rendered as plain UTF-8 text (text/plain; charset=utf-8)"
        }
    );
    if input
        .enclosures
        .iter()
        .any(|e| e.stem.starts_with("letters/"))
    {
        s += "letters/        the letters that go with this release\n";
    }
    if input
        .enclosures
        .iter()
        .any(|e| e.stem.starts_with("attachments/"))
    {
        s += "attachments/    signed forms as received, and each on stamped, Bates-numbered pages (-stamped.pdf)\n";
    }
    if input.authorization.is_some() {
        s += "authorization.json  a copy of the authorization the release rests on\n";
    }
    if part2 && input.part2_notice {
        s += &format!(
            "{PART2_NOTICE_FILE}  the 42 CFR 2.32 notice: read it before any further use or disclosure\n"
        );
    }
    s += "\nVerify: sha256sum of each file must equal its checksum in manifest.json.\n";
    s
}

/// Every file of the packet (path, bytes), `manifest.json` first. Fails only when a PDF cannot
/// be written (an enclosed scan that is not a readable PNG/JPEG).
pub fn build(input: &PacketInput) -> Result<Vec<(String, Vec<u8>)>, crate::pdf::PdfError> {
    let part2 = input
        .docs
        .iter()
        .any(|d| d.categories.contains(&Category::SudPart2));
    let notice = input.part2_notice && part2;
    let laid = super::packet_pdf::layout(input)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    files.push(("README.txt".into(), readme(input, notice).into_bytes()));
    for f in laid.docs.iter().chain(&laid.enclosures) {
        files.push((f.path.clone(), f.bytes.clone()));
    }
    let mut bundle = fhir_bundle(input, &laid.docs);
    crate::text::sanitize_json(&mut bundle);
    files.push((
        "bundle.json".into(),
        serde_json::to_vec_pretty(&bundle).unwrap_or_default(),
    ));
    files.push(("invoice.txt".into(), invoice_text(input).into_bytes()));
    if let Some(a) = &input.authorization {
        files.push((
            "authorization.json".into(),
            serde_json::to_vec_pretty(a).unwrap_or_default(),
        ));
    }
    if notice {
        let text = part2_notice_text(input.authorization.is_some());
        files.push((PART2_NOTICE_FILE.into(), text.into_bytes()));
    }
    let items: Vec<Value> = input
        .docs
        .iter()
        .zip(&laid.docs)
        .map(|(d, f)| {
            json!({
                "document_id": d.document_id,
                "type": d.doc_type,
                "title": d.title,
                "status": d.status,
                "service_date": d.service_at.get(..10).unwrap_or(&d.service_at),
                "encounter": d.visit_number,
                "pages": f.pages,
                "bates_first": f.bates_first,
                "bates_last": f.bates_last,
                "sensitive_categories": d.categories,
                "complete": d.incomplete.is_none(),
                "incomplete": d.incomplete,
                "incomplete_acknowledged_by": d.incomplete_ack,
                "file": f.path,
                "sha256": sha256_hex(&f.bytes),
            })
        })
        .collect();
    let enclosures: Vec<Value> = laid
        .enclosures
        .iter()
        .map(|f| {
            json!({
                "title": f.title,
                "file": f.path,
                "content_type": f.content_type,
                "pages": f.pages,
                "bates_first": f.bates_first,
                "bates_last": f.bates_last,
                "sha256": sha256_hex(&f.bytes),
            })
        })
        .collect();
    let checksums: Vec<Value> = files
        .iter()
        .map(|(p, b)| json!({"path": p, "bytes": b.len(), "sha256": sha256_hex(b)}))
        .collect();
    let (format, note) = match &input.pdf {
        Some(prefix) => (
            PDF_FORMAT,
            format!(
                "documents and letters are PDF/A-2b with embedded subset fonts; Bates numbers {} to {} run through the packet",
                crate::pdf::bates(prefix, 1),
                crate::pdf::bates(prefix, u64::from(laid.total_pages.max(1)))
            ),
        ),
        None => (
            DOCUMENT_FORMAT,
            "documents are rendered as plain text (release_document_format = TEXT)".to_string(),
        ),
    };
    let mut manifest = json!({
        "format": "chartdesk-release-packet/2",
        "document_format": format,
        "document_format_note": note,
        "total_pages": laid.total_pages,
        "items": items,
        "enclosures": enclosures,
        "withheld": input.withheld,
        "excluded_sensitive_categories": input.excluded_categories,
        "redisclosure_notice": if notice { Value::String(PART2_NOTICE_FILE.into()) } else { Value::Null },
        "invoice": {
            "cents": input.fee.cents,
            "method": input.fee_method,
            "rule": input.fee.rule,
            "lines": input.fee.lines.iter().map(|l| json!({"label": l.label, "cents": l.cents})).collect::<Vec<_>>(),
        },
        "files": checksums,
    });
    if let (Some(m), Some(h)) = (manifest.as_object_mut(), input.header.as_object()) {
        for (k, v) in h {
            m.insert(k.clone(), v.clone());
        }
    }
    crate::text::sanitize_json(&mut manifest);
    let manifest = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    files.insert(0, ("manifest.json".into(), manifest));
    Ok(files)
}

/// A zip archive (deflate, UTF-8 names) of the given files, dated `dos_date`/`dos_time`.
pub fn zip(files: &[(String, Vec<u8>)], dos_date: u16, dos_time: u16) -> std::io::Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    let n = u16::try_from(files.len())
        .map_err(|_| std::io::Error::other("too many files for a zip"))?;
    let u32_of =
        |v: usize| u32::try_from(v).map_err(|_| std::io::Error::other("file too large for a zip"));
    for (name, data) in files {
        let mut enc =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data)?;
        let packed = enc.finish()?;
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let offset = u32_of(out.len())?;
        let name_len =
            u16::try_from(name.len()).map_err(|_| std::io::Error::other("file name too long"))?;
        let common = |buf: &mut Vec<u8>| -> std::io::Result<()> {
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0x0800u16.to_le_bytes()); // UTF-8 names
            buf.extend_from_slice(&8u16.to_le_bytes()); // deflate
            buf.extend_from_slice(&dos_time.to_le_bytes());
            buf.extend_from_slice(&dos_date.to_le_bytes());
            buf.extend_from_slice(&crc.sum().to_le_bytes());
            buf.extend_from_slice(&u32_of(packed.len())?.to_le_bytes());
            buf.extend_from_slice(&u32_of(data.len())?.to_le_bytes());
            buf.extend_from_slice(&name_len.to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
            Ok(())
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out)?;
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&packed);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // version made by
        common(&mut central)?;
        central.extend_from_slice(&[0u8; 8]); // comment len, disk, internal attrs, (part of) external
        central.extend_from_slice(&[0u8; 2]); // rest of external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = u32_of(out.len())?;
    let cd_size = u32_of(central.len())?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (i, o) in cases {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn pages_are_sixty_lines() {
        assert_eq!(pages_of(""), 1);
        assert_eq!(pages_of(&"x\n".repeat(60)), 1);
        assert_eq!(pages_of(&"x\n".repeat(61)), 2);
    }

    #[test]
    fn zip_has_one_central_entry_per_file() {
        let files = vec![
            ("a.txt".to_string(), b"hello".to_vec()),
            ("d/b.txt".to_string(), vec![b'x'; 1000]),
        ];
        let z = zip(&files, 0x5b79, 0).expect("zip");
        let eocd = &z[z.len() - 22..];
        assert_eq!(&eocd[..4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 2);
    }
}
