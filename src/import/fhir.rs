//! FHIR R4 JSON parsing (no database): Bundles of any type, or a single resource.
//!
//! Every importable resource is checked completely here (required fields, dates, base64 and
//! UTF-8 of notes), so a file is rejected before its transaction starts. Resource types other
//! than Patient, Practitioner, Organization, Encounter, Condition, Procedure,
//! DocumentReference and Claim are kept as [`Resource::Other`] and counted as skipped.

use serde_json::Value;

use super::ImportError;
use super::time::{fhir_date, fhir_datetime};

/// One bundle entry (or the single resource of the file), parsed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ParsedResource {
    /// Index in `Bundle.entry` (0 for a single resource).
    pub entry: usize,
    pub full_url: Option<String>,
    pub resource_type: String,
    /// `Resource.id`, or the `fullUrl` when the resource has no id.
    pub id: String,
    pub data: Resource,
    /// `display` of conditional practitioner references (used to name a provider created
    /// from an NPI that is not known yet).
    pub ref_displays: Vec<(String, String)>,
    /// Read from an NDJSON file (FHIR Bulk Data): `entry` is then the line number.
    #[serde(default)]
    pub line: bool,
}

impl ParsedResource {
    /// `entry 3 (Encounter/abc)`.
    pub fn at(&self) -> String {
        let unit = if self.line { "line" } else { "entry" };
        format!("{unit} {} ({}/{})", self.entry, self.resource_type, self.id)
    }
    /// `fhir:Encounter/abc`.
    pub fn source_key(&self) -> String {
        format!("fhir:{}/{}", self.resource_type, self.id)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Resource {
    Patient(PatientData),
    Practitioner(PersonData),
    Organization(OrganizationData),
    Encounter(EncounterData),
    /// Condition or Procedure.
    Fact(FactData),
    Document(DocumentData),
    Claim(ClaimData),
    /// ServiceRequest: an order (a consultation expects its report, REQ-CONSULT).
    Order(OrderData),
    Other,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PatientData {
    pub mrn: String,
    pub family: String,
    pub given: String,
    pub birth_date: String,
    /// F, M, O or U.
    #[serde(deserialize_with = "known_word")]
    pub sex: Word,
    /// `link` of type `replaced-by`: the reference of the record that replaces this one
    /// (a merge, applied by `import::fhir_link`).
    pub replaced_by: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PersonData {
    pub npi: Option<String>,
    pub family: String,
    pub given: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OrganizationData {
    pub name: String,
    pub npi: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct EncounterData {
    pub visit_number: String,
    pub subject: String,
    /// inpatient, outpatient, emergency or observation.
    #[serde(deserialize_with = "known_word")]
    pub kind: Word,
    pub service: String,
    pub admit_at: String,
    pub discharge_at: Option<String>,
    /// (reference, field name) of the attending.
    pub attending: Option<(String, String)>,
    pub disposition: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FactData {
    /// condition or procedure.
    #[serde(deserialize_with = "known_word")]
    pub kind: Word,
    pub subject: String,
    pub encounter: Option<String>,
    pub system: String,
    pub code: String,
    pub display: String,
    pub occurred_at: Option<String>,
    pub performer: Option<String>,
    /// `Procedure.category` code (SNOMED 387713003 = surgical procedure); empty if none.
    pub category: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OrderData {
    pub subject: String,
    pub encounter: String,
    /// consult or other.
    #[serde(deserialize_with = "known_word")]
    pub kind: Word,
    pub code: String,
    pub description: String,
    pub ordered_at: String,
    pub requester: Option<String>,
    pub performer: Option<String>,
    /// active, completed or cancelled.
    #[serde(deserialize_with = "known_word")]
    pub status: Word,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DocumentData {
    pub encounter: String,
    pub doc_type: String,
    pub title: String,
    pub author: Option<String>,
    pub authenticator: Option<String>,
    #[serde(deserialize_with = "known_word")]
    pub status: Word,
    pub service_at: String,
    pub signed_at: Option<String>,
    pub body: String,
    /// `status = superseded`: replaced by a later version.
    pub superseded: bool,
    /// `relatesTo[code = replaces].target`: the documents this one replaces.
    pub replaces: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClaimData {
    pub encounters: Vec<String>,
    pub total_cents: Option<i64>,
}

/// A fixed word (spelled as a type alias so that serde does not take it as borrowed from
/// its input).
pub type Word = &'static str;

/// The fixed words of the `&'static str` fields (sex, kinds, statuses), read back from a
/// spilled entry (`fhir_spill`).
const KNOWN_WORDS: &[&str] = &[
    "F",
    "M",
    "O",
    "U",
    "inpatient",
    "outpatient",
    "emergency",
    "observation",
    "condition",
    "procedure",
    "consult",
    "other",
    "active",
    "completed",
    "cancelled",
    "entered_in_error",
    "amended",
    "signed",
    "transcribed",
    "dictated",
    "incomplete",
];

fn known_word<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let s = String::deserialize(d)?;
    KNOWN_WORDS
        .iter()
        .find(|w| **w == s)
        .copied()
        .ok_or_else(|| D::Error::custom(format!("unknown value '{s}'")))
}

pub const NPI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-npi";

#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
}

impl Head {
    fn is_transaction(&self) -> bool {
        self.resource_type.as_deref() == Some("Bundle") && self.ty.as_deref() == Some("transaction")
    }
}

/// Whether the file is a Bundle of type `transaction` (a scan that keeps nothing but the two
/// top-level strings, for large files).
pub fn is_transaction_bundle(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Head>(bytes).is_ok_and(|h| h.is_transaction())
}

/// [`is_transaction_bundle`] over a reader (the file is scanned, never held).
pub(super) fn is_transaction_reader(r: impl std::io::Read) -> bool {
    serde_json::from_reader::<_, Head>(r).is_ok_and(|h| h.is_transaction())
}

/// Parse a FHIR JSON file (parse-only; used by the importer and the bench).
///
/// A Bundle is read entry by entry: each entry's JSON tree is turned into its
/// [`ParsedResource`] and dropped before the next one is read, so memory holds the parsed
/// records, not the whole file's JSON tree (which is several times the file's size).
pub fn parse_fhir(bytes: &[u8], file: &str) -> Result<Vec<ParsedResource>, ImportError> {
    // A UTF-8 byte-order mark (Windows editors write one) is not part of the JSON.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(r) = stream_bundle(bytes, file) {
        return r;
    }
    parse_whole(bytes, file)
}

/// Entries of a Bundle, one at a time. `None` when the file is not a Bundle (or is invalid
/// JSON: the whole-file parse then names the error).
fn stream_bundle(bytes: &[u8], file: &str) -> Option<Result<Vec<ParsedResource>, ImportError>> {
    let mut out = Vec::new();
    let mut failed = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let r = stream_entries(&mut de, file, &mut |e| match e {
        Ok(p) => {
            out.push(p);
            true
        }
        Err(e) => {
            failed = Some(e);
            false
        }
    });
    if let Some(e) = failed {
        return Some(Err(e));
    }
    let rt = r.ok()?;
    de.end().ok()?;
    (rt.as_deref() == Some("Bundle")).then_some(Ok(out))
}

/// The JSON error of a file, with its line and column.
pub(super) fn json_error(e: &serde_json::Error, file: &str) -> ImportError {
    let what = if e.is_eof() {
        "truncated JSON"
    } else {
        "invalid JSON"
    };
    ImportError::new(
        file,
        format!("line {}, column {}", e.line(), e.column()),
        format!("{what}: {e}"),
    )
}

/// Read a top-level JSON object, handing each `entry` of a Bundle to `sink` as soon as it is
/// parsed (its JSON tree is dropped before the next entry is read). `sink` returns `false` to
/// stop reading (the result is then an error). Returns the `resourceType`; the caller checks
/// the end of input (`Deserializer::end`). Entries are streamed unless a `resourceType` other
/// than Bundle came before them.
pub(super) fn stream_entries<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    file: &str,
    sink: &mut dyn FnMut(Result<ParsedResource, ImportError>) -> bool,
) -> Result<Option<String>, serde_json::Error> {
    use serde::de::{
        DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
    };

    struct Root<'a, 's> {
        file: &'a str,
        sink: &'a mut (dyn FnMut(Result<ParsedResource, ImportError>) -> bool + 's),
    }
    struct Entries<'a, 's> {
        file: &'a str,
        sink: &'a mut (dyn FnMut(Result<ParsedResource, ImportError>) -> bool + 's),
    }
    impl<'de> Visitor<'de> for Entries<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of entries")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            while let Some(e) = seq.next_element::<Value>()? {
                let full_url = e.get("fullUrl").and_then(Value::as_str).map(str::to_string);
                let parsed = match e.get("resource") {
                    None => Ok(ParsedResource {
                        entry: i,
                        full_url,
                        resource_type: "(none)".into(),
                        id: String::new(),
                        data: Resource::Other,
                        ref_displays: Vec::new(),
                        line: false,
                    }),
                    Some(res) => parse_resource(res, i, full_url, self.file),
                };
                drop(e);
                if !(self.sink)(parsed) {
                    return Err(A::Error::custom("stopped"));
                }
                i += 1;
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de> Visitor<'de> for Root<'_, '_> {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a FHIR resource")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut rt: Option<String> = None;
            while let Some(k) = map.next_key::<String>()? {
                match k.as_str() {
                    "resourceType" => rt = map.next_value::<Value>()?.as_str().map(str::to_string),
                    // Only a Bundle's entries are streamed.
                    "entry" if rt.as_deref().is_none_or(|t| t == "Bundle") => {
                        map.next_value_seed(Entries {
                            file: self.file,
                            sink: &mut *self.sink,
                        })?;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(rt)
        }
    }
    (&mut *de).deserialize_map(Root { file, sink })
}

pub(super) fn parse_whole(bytes: &[u8], file: &str) -> Result<Vec<ParsedResource>, ImportError> {
    let root: Value = serde_json::from_slice(bytes).map_err(|e| json_error(&e, file))?;
    let rt = root
        .get("resourceType")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ImportError::new(file, "", "not a FHIR resource: resourceType is missing")
        })?;
    let mut out = Vec::new();
    if rt == "Bundle" {
        let entries = match root.get("entry") {
            None => return Ok(out),
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(ImportError::new(
                    file,
                    "Bundle.entry",
                    "entry is not an array",
                ));
            }
        };
        for (i, e) in entries.iter().enumerate() {
            let full_url = e.get("fullUrl").and_then(Value::as_str).map(str::to_string);
            let Some(res) = e.get("resource") else {
                out.push(ParsedResource {
                    entry: i,
                    full_url,
                    resource_type: "(none)".into(),
                    id: String::new(),
                    data: Resource::Other,
                    ref_displays: Vec::new(),
                    line: false,
                });
                continue;
            };
            out.push(parse_resource(res, i, full_url, file)?);
        }
    } else {
        if !IMPORTED.contains(&rt) {
            return Err(ImportError::new(
                file,
                "resourceType",
                format!(
                    "resourceType '{rt}' is not importable (expected Bundle or one of {})",
                    IMPORTED.join(", ")
                ),
            ));
        }
        out.push(parse_resource(&root, 0, None, file)?);
    }
    Ok(out)
}

const IMPORTED: &[&str] = &[
    "Patient",
    "Practitioner",
    "Organization",
    "Encounter",
    "Condition",
    "Procedure",
    "DocumentReference",
    "Claim",
    "ServiceRequest",
];

pub(super) struct Cx<'a> {
    pub(super) file: &'a str,
    pub(super) at: String,
}

impl Cx<'_> {
    pub(super) fn err(&self, field: &str, msg: impl Into<String>) -> ImportError {
        ImportError::new(self.file, format!("{}, {field}", self.at), msg)
    }
}

fn parse_resource(
    r: &Value,
    entry: usize,
    full_url: Option<String>,
    file: &str,
) -> Result<ParsedResource, ImportError> {
    let rt = match r.get("resourceType") {
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
            s.clone()
        }
        _ => {
            return Err(ImportError::new(
                file,
                format!("entry {entry}"),
                "resourceType is missing or not a resource type name",
            ));
        }
    };
    let id = match (r.get("id").and_then(Value::as_str), &full_url) {
        (Some(id), _) if !id.is_empty() => id.to_string(),
        (_, Some(u)) => u.clone(),
        _ => String::new(),
    };
    let cx = Cx {
        file,
        at: format!("entry {entry} ({rt}/{id})"),
    };
    let imported = IMPORTED.contains(&rt.as_str());
    if imported && id.is_empty() {
        return Err(cx.err("id", "resource has neither an id nor a fullUrl"));
    }
    let data = match rt.as_str() {
        "Patient" => Resource::Patient(patient(r, &id, &cx)?),
        "Practitioner" => {
            let (family, given) = human_name(r);
            Resource::Practitioner(PersonData {
                npi: identifier_in(r, NPI_SYSTEM),
                family,
                given,
            })
        }
        "Organization" => Resource::Organization(OrganizationData {
            name: s(r, "name").unwrap_or_default().to_string(),
            npi: identifier_in(r, NPI_SYSTEM),
        }),
        "Encounter" => Resource::Encounter(encounter(r, &id, &cx)?),
        "Condition" | "Procedure" => Resource::Fact(fact(r, &rt, &cx)?),
        "DocumentReference" => Resource::Document(super::fhir_doc::document(r, &cx)?),
        "Claim" => Resource::Claim(super::fhir_doc::claim(r, &cx)?),
        "ServiceRequest" => Resource::Order(super::fhir_doc::service_request(r, &cx)?),
        _ => Resource::Other,
    };
    let mut ref_displays = Vec::new();
    if imported {
        for k in ["participant", "author", "performer"] {
            for x in arr(r, k) {
                let target = x.get("individual").or_else(|| x.get("actor")).unwrap_or(x);
                if let (Some(rf), Some(d)) = (s(target, "reference"), s(target, "display"))
                    && rf.starts_with("Practitioner?")
                {
                    ref_displays.push((rf.to_string(), d.to_string()));
                }
            }
        }
    }
    Ok(ParsedResource {
        entry,
        full_url,
        resource_type: rt,
        id,
        data,
        ref_displays,
        line: false,
    })
}

/// One line of an NDJSON file (FHIR Bulk Data: one resource per line), numbered from 1.
/// Errors name the line (and the field).
pub(super) fn parse_ndjson_line(
    text: &str,
    line: usize,
    file: &str,
) -> Result<ParsedResource, ImportError> {
    let v: Value = serde_json::from_str(text).map_err(|e| {
        ImportError::new(
            file,
            format!("line {line}, column {}", e.column()),
            format!("invalid JSON: {e}"),
        )
    })?;
    let relabel = |mut e: ImportError| {
        if let Some(rest) = e.location.strip_prefix(&format!("entry {line}")) {
            e.location = format!("line {line}{rest}");
        }
        e
    };
    match v.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => Err(ImportError::new(
            file,
            format!("line {line}"),
            "a Bundle in an NDJSON file: NDJSON holds one resource per line",
        )),
        _ => parse_resource(&v, line, None, file)
            .map(|p| ParsedResource { line: true, ..p })
            .map_err(relabel),
    }
}

pub(super) fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(super) fn reference(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(|r| r.get("reference"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub(super) fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn identifier_in(r: &Value, system: &str) -> Option<String> {
    arr(r, "identifier")
        .iter()
        .find(|i| s(i, "system") == Some(system))
        .and_then(|i| s(i, "value"))
        .map(str::to_string)
}

fn human_name(r: &Value) -> (String, String) {
    let names = arr(r, "name");
    let n = names
        .iter()
        .find(|n| s(n, "use") == Some("official"))
        .or_else(|| names.first());
    let Some(n) = n else {
        return (String::new(), String::new());
    };
    let family = s(n, "family").or_else(|| s(n, "text")).unwrap_or_default();
    let given: Vec<&str> = arr(n, "given").iter().filter_map(Value::as_str).collect();
    (family.to_string(), given.join(" "))
}

/// Text of a CodeableConcept: `text`, else the first coding's display, else its code.
pub(super) fn concept_text(c: &Value) -> Option<String> {
    s(c, "text")
        .or_else(|| {
            arr(c, "coding")
                .iter()
                .find_map(|x| s(x, "display").or_else(|| s(x, "code")))
        })
        .map(str::to_string)
}

pub(super) fn datetime(
    cx: &Cx,
    field: &str,
    v: Option<&str>,
) -> Result<Option<String>, ImportError> {
    v.map(|t| fhir_datetime(t).map_err(|m| cx.err(field, m)))
        .transpose()
}

fn patient(r: &Value, id: &str, cx: &Cx) -> Result<PatientData, ImportError> {
    let ids = arr(r, "identifier");
    let is_mr = |i: &&Value| {
        i.get("type")
            .map(|t| arr(t, "coding").iter().any(|c| s(c, "code") == Some("MR")))
            .unwrap_or(false)
    };
    let mrn = ids
        .iter()
        .find(is_mr)
        .and_then(|i| s(i, "value"))
        .or_else(|| ids.iter().find_map(|i| s(i, "value")))
        .or((!id.is_empty() && r.get("id").is_some()).then_some(id))
        .ok_or_else(|| cx.err("identifier", "Patient has no identifier and no id"))?;
    let (family, given) = human_name(r);
    let birth = s(r, "birthDate").ok_or_else(|| cx.err("birthDate", "birthDate is missing"))?;
    let birth_date = fhir_date(birth).map_err(|m| cx.err("birthDate", m))?;
    let sex = match s(r, "gender") {
        Some("female") => "F",
        Some("male") => "M",
        Some("other") => "O",
        _ => "U",
    };
    Ok(PatientData {
        mrn: mrn.to_string(),
        family,
        given,
        birth_date,
        sex,
        replaced_by: arr(r, "link")
            .iter()
            .find(|l| s(l, "type") == Some("replaced-by"))
            .and_then(|l| l.get("other"))
            .and_then(|o| s(o, "reference"))
            .map(str::to_string),
    })
}

/// Encounter.class code → encounter kind (DOMAIN §8).
fn encounter_kind(code: &str) -> Option<&'static str> {
    Some(match code {
        "IMP" | "ACUTE" | "NONAC" => "inpatient",
        "EMER" => "emergency",
        "OBSENC" => "observation",
        "AMB" | "SS" | "VR" | "HH" => "outpatient",
        _ => return None,
    })
}

fn encounter(r: &Value, id: &str, cx: &Cx) -> Result<EncounterData, ImportError> {
    let subject = reference(r, "subject").ok_or_else(|| cx.err("subject", "subject is missing"))?;
    let class = r
        .get("class")
        .and_then(|c| s(c, "code"))
        .unwrap_or_default();
    let kind = encounter_kind(class).ok_or_else(|| {
        cx.err(
            "class",
            format!(
                "class code '{class}' is not mapped (IMP/ACUTE/NONAC, EMER, OBSENC, AMB/SS/VR/HH)"
            ),
        )
    })?;
    let period = r.get("period").cloned().unwrap_or(Value::Null);
    let admit_at = datetime(cx, "period.start", s(&period, "start"))?
        .ok_or_else(|| cx.err("period.start", "admission time (period.start) is missing"))?;
    let discharge_at = datetime(cx, "period.end", s(&period, "end"))?;
    // The clinical service is `serviceType` (e.g. Cardiology); the encounter type's text
    // ("Encounter for check up") is not a service and would make the filter useless.
    let service = r
        .get("serviceType")
        .and_then(concept_text)
        .unwrap_or_default();
    let parts = arr(r, "participant");
    let is_atnd = |p: &&Value| {
        arr(p, "type").iter().any(|t| {
            arr(t, "coding")
                .iter()
                .any(|c| s(c, "code") == Some("ATND"))
        })
    };
    let attending = parts
        .iter()
        .enumerate()
        .find(|(_, p)| is_atnd(p) && reference(p, "individual").is_some())
        .or_else(|| {
            parts
                .iter()
                .enumerate()
                .find(|(_, p)| reference(p, "individual").is_some())
        })
        .and_then(|(i, p)| {
            reference(p, "individual").map(|r| (r, format!("participant[{i}].individual")))
        });
    let disposition = r
        .get("hospitalization")
        .and_then(|h| h.get("dischargeDisposition"))
        .and_then(|d| {
            arr(d, "coding")
                .iter()
                .find_map(|c| s(c, "code"))
                .map(str::to_string)
                .or_else(|| concept_text(d))
        });
    let reason = arr(r, "reasonCode")
        .first()
        .and_then(concept_text)
        .unwrap_or_default();
    let visit_number = arr(r, "identifier")
        .iter()
        .find_map(|i| s(i, "value"))
        .map(str::to_string)
        .unwrap_or_else(|| format!("FHIR-{id}"));
    Ok(EncounterData {
        visit_number,
        subject,
        kind,
        service,
        admit_at,
        discharge_at,
        attending,
        disposition,
        reason,
    })
}

/// Short name of a code system; unknown systems are kept as their URI.
fn system_name(uri: &str) -> String {
    match uri {
        "http://snomed.info/sct" => "SNOMED",
        "http://hl7.org/fhir/sid/icd-10-cm" => "ICD-10-CM",
        "http://www.cms.gov/Medicare/Coding/ICD10" | "http://hl7.org/fhir/sid/icd-10-pcs" => {
            "ICD-10-PCS"
        }
        "http://www.ama-assn.org/go/cpt" => "CPT",
        "http://loinc.org" => "LOINC",
        other => other,
    }
    .to_string()
}

fn fact(r: &Value, rt: &str, cx: &Cx) -> Result<FactData, ImportError> {
    let subject = reference(r, "subject").ok_or_else(|| cx.err("subject", "subject is missing"))?;
    let code = r
        .get("code")
        .ok_or_else(|| cx.err("code", "code is missing"))?;
    let codings = arr(code, "coding");
    // An ICD-10-CM coding is kept as such when present; otherwise the first coding (SNOMED).
    let chosen = codings
        .iter()
        .find(|c| s(c, "system") == Some("http://hl7.org/fhir/sid/icd-10-cm"))
        .or_else(|| codings.iter().find(|c| s(c, "code").is_some()));
    let (system, code_value, display) = match chosen {
        Some(c) => (
            system_name(s(c, "system").unwrap_or("")),
            s(c, "code").unwrap_or_default().to_string(),
            s(c, "display")
                .map(str::to_string)
                .or_else(|| concept_text(code))
                .unwrap_or_default(),
        ),
        None => match s(code, "text") {
            Some(t) => ("text".to_string(), String::new(), t.to_string()),
            None => return Err(cx.err("code", "code has no coding and no text")),
        },
    };
    let (kind, occurred) = if rt == "Condition" {
        let t = s(r, "onsetDateTime").or_else(|| s(r, "recordedDate"));
        ("condition", datetime(cx, "onsetDateTime", t)?)
    } else {
        let t = s(r, "performedDateTime")
            .or_else(|| r.get("performedPeriod").and_then(|p| s(p, "start")));
        ("procedure", datetime(cx, "performed", t)?)
    };
    let performer = arr(r, "performer")
        .first()
        .and_then(|p| reference(p, "actor"));
    // R4 Procedure.category is one CodeableConcept (an array in R5): keep its first code.
    let category = match r.get("category") {
        Some(Value::Array(a)) => a.first(),
        other => other,
    }
    .and_then(|c| arr(c, "coding").iter().find_map(|x| s(x, "code")))
    .unwrap_or_default()
    .to_string();
    Ok(FactData {
        category,
        kind,
        subject,
        encounter: reference(r, "encounter"),
        system,
        code: code_value,
        display,
        occurred_at: occurred,
        performer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_bundle_parses_as_the_whole_file_does() {
        let patient = |i: usize| {
            serde_json::json!({"fullUrl": format!("urn:uuid:p{i}"), "resource": {"resourceType": "Patient", "id": format!("p{i}"),
                "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": format!("M{i}")}],
                "name": [{"family": "Doe", "given": ["J"]}], "gender": "male", "birthDate": "1970-01-01"}})
        };
        let entries: Vec<Value> = (0..5)
            .map(patient)
            .chain([serde_json::json!({"request": {}})])
            .collect();
        // `entry` before `resourceType`: still streamed.
        let text = format!(
            r#"{{"type": "collection", "entry": {}, "resourceType": "Bundle"}}"#,
            serde_json::to_string(&entries).unwrap()
        );
        let streamed = stream_bundle(text.as_bytes(), "b.json").expect("a Bundle");
        let whole = parse_whole(text.as_bytes(), "b.json");
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
        assert_eq!(streamed.map(|v| v.len()).ok(), Some(6));
        // A bad entry is named as before; not a Bundle / not an array / bad JSON: whole parse.
        let bad = text.replace("\"gender\": \"male\"", "\"gender\": 7");
        assert_eq!(
            format!("{:?}", parse_fhir(bad.as_bytes(), "b.json")),
            format!("{:?}", parse_whole(bad.as_bytes(), "b.json"))
        );
        assert!(stream_bundle(br#"{"resourceType": "Patient", "id": "x"}"#, "p.json").is_none());
        assert!(stream_bundle(br#"{"resourceType": "Bundle", "entry": 3}"#, "b.json").is_none());
        assert!(stream_bundle(br#"{"resourceType": "Bundle", "entry": [}"#, "b.json").is_none());
    }
}
