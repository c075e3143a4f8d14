//! Hostile input: seeded mutation of valid HL7 v2, FHIR, authorization JSON, setting values and
//! command lines, fed to the parsers and validators; every case is counted, a panic is caught
//! and counted, and the slowest case is reported (a case over 1 s counts as a hang).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;

use super::{Rng, SelftestError, SelftestOptions, Verdict};

const HL7: &[u8] = b"MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|CHARTDESK|FAC|20261101083000||ADT^A01^ADT_A01|MSG00001|P|2.5\r\
EVN|A01|20261101083000\r\
PID|1||MRN0000777^^^FAC^MR||RIVERA^ANA^M||19700304|F|||12 MAIN ST^^SPRINGFIELD^IL^62701\r\
PV1|1|I|4W^401^A|E|||1234567893^HOUSE^GREG^^^MD||||||||||||V0000777|||||||||||||||||||||||||20261101080000\r\
DG1|1||I10^Essential (primary) hypertension^I10\r";

const FHIR: &[u8] = br#"{"resourceType":"Bundle","type":"transaction","entry":[
{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN0000888"}],"name":[{"family":"Stone","given":["Lee"]}],"birthDate":"1980-02-03","gender":"male"},"request":{"method":"POST","url":"Patient"}},
{"fullUrl":"urn:uuid:e1","resource":{"resourceType":"Encounter","status":"finished","class":{"code":"IMP"},"identifier":[{"value":"V0000888"}],"subject":{"reference":"urn:uuid:p1"},"period":{"start":"2026-11-01T08:00:00Z","end":"2026-11-04T12:00:00Z"}},"request":{"method":"POST","url":"Encounter"}},
{"fullUrl":"urn:uuid:d1","resource":{"resourceType":"DocumentReference","status":"current","type":{"coding":[{"system":"http://loinc.org","code":"34117-2"}]},"subject":{"reference":"urn:uuid:p1"},"context":{"encounter":[{"reference":"urn:uuid:e1"}]},"content":[{"attachment":{"contentType":"text/plain","data":"SGVsbG8="}}]},"request":{"method":"POST","url":"DocumentReference"}}]}"#;

const AUTH: &[u8] = br#"{"authorization":{"id":"F-1","description":"discharge summary","records_from":"2026-01-01","records_to":"2026-11-30","document_types":[],"recipient":"Dr. Who","purpose":"continuity of care","expiration":"2027-11-01","signature":true,"signed_date":"2026-11-02","revocation_statement":true,"conditioning_statement":true,"redisclosure_statement":true},
"request":{"requester_type":"AUTH_3P","received_date":"2026-11-03","requester_name":"Dr. Who","identity_verified":true,"verification_method":"ID","verified_by":"rita"}}"#;

const SPECIAL: &[&[u8]] = &[
    b"|",
    b"^",
    b"~",
    b"\\",
    b"&",
    b"\r",
    b"\n",
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\0",
    b"\xff",
    b"\xc3\x28",
    b"\xe2\x80\xae",
    b"null",
    b"-1",
    b"1e309",
    b"99999999999999999999",
    b"2026-02-30",
    b"0000-00-00T25:61:61",
    b"MSH|^~\\&|",
    b"\x1b[2J",
    b"%s%n",
    b"../../etc/passwd",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let len = v.len().max(1) as u64;
        let at = rng.below(len) as usize;
        match rng.below(7) {
            0 => {
                if let Some(b) = v.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                let s = SPECIAL[rng.below(SPECIAL.len() as u64) as usize];
                let at = at.min(v.len());
                v.splice(at..at, s.iter().copied());
            }
            2 => {
                let end = (at + 1 + rng.below(64) as usize).min(v.len());
                if at < end {
                    v.drain(at..end);
                }
            }
            3 => {
                let end = (at + 1 + rng.below(200) as usize).min(v.len());
                if at < end {
                    let piece: Vec<u8> = v[at..end].to_vec();
                    for _ in 0..1 + rng.below(20) {
                        v.splice(at..at, piece.iter().copied());
                    }
                }
            }
            4 => v.truncate(at),
            5 => {
                let at = at.min(v.len());
                let n = rng.below(5000) as usize;
                let b = b"9aZ|^{[\""[rng.below(8) as usize];
                v.splice(at..at, std::iter::repeat_n(b, n));
            }
            _ => {
                let at = at.min(v.len());
                v.insert(at, rng.below(256) as u8);
            }
        }
    }
    v
}

const WORDS: &[&str] = &[
    "audit",
    "verify",
    "anchor",
    "export",
    "--since",
    "garbage",
    "--format",
    "fhir",
    "jsonl",
    "user",
    "add",
    "--role",
    "coder",
    "list",
    "settings",
    "set",
    "codes",
    "show",
    "search",
    "coding",
    "queue",
    "roi",
    "import",
    "hl7",
    "fhir",
    "report",
    "deficiencies",
    "--as-of",
    "2026-13-45",
    "backup",
    "restore",
    "selftest",
    "--long",
    "--db",
    "-",
    "--",
    "\u{0}",
    "é",
    "--anchors",
    "--since-anchor",
    "99999999999999999999",
    "-1",
    "edits",
    "analyze",
    "--since",
];

/// One target: its name and a case runner (true = handled without panic).
type Target = (&'static str, Box<dyn Fn(&mut Rng)>);

pub(super) fn run(opts: &SelftestOptions, _: &Path) -> Result<(Verdict, String), SelftestError> {
    let per_target: u64 = if opts.long { 200_000 } else { 3_000 };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default();
    let targets: Vec<Target> = vec![
        (
            "HL7",
            Box::new(|rng| {
                let _ = crate::import::hl7::parse_hl7(&mutate(HL7, rng), "fuzz.hl7");
            }),
        ),
        (
            "FHIR",
            Box::new(|rng| {
                let _ = crate::import::fhir::parse_fhir(&mutate(FHIR, rng), "fuzz.json");
            }),
        ),
        (
            "authorization JSON",
            Box::new(move |rng| {
                let text = String::from_utf8_lossy(&mutate(AUTH, rng)).into_owned();
                let _ = crate::roi::check_file(&text, today);
            }),
        ),
        (
            "settings",
            Box::new(|rng| {
                let d = &crate::settings::SETTINGS
                    [rng.below(crate::settings::SETTINGS.len() as u64) as usize];
                let v = String::from_utf8_lossy(&mutate(d.default.as_bytes(), rng)).into_owned();
                let _ = crate::settings::validate(d, &v);
            }),
        ),
        (
            "CLI arguments",
            Box::new(|rng| {
                let mut args = vec!["chartdesk".to_string()];
                for _ in 0..rng.below(7) {
                    let w = WORDS[rng.below(WORDS.len() as u64) as usize];
                    if rng.below(4) == 0 {
                        args.push(String::from_utf8_lossy(&mutate(w.as_bytes(), rng)).into_owned());
                    } else {
                        args.push(w.to_string());
                    }
                }
                let _ = crate::cli::Cli::try_parse_from(args);
            }),
        ),
    ];
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng::new(opts.seed ^ 0x686f_7374);
    let mut cases = 0u64;
    let mut panics = Vec::new();
    let mut slowest = (Duration::ZERO, "");
    let mut hangs = 0;
    for (name, f) in &targets {
        for _ in 0..per_target {
            let t = Instant::now();
            if catch_unwind(AssertUnwindSafe(|| f(&mut rng))).is_err() {
                panics.push(*name);
            }
            let took = t.elapsed();
            if took > slowest.0 {
                slowest = (took, name);
            }
            if took > Duration::from_secs(1) {
                hangs += 1;
            }
            cases += 1;
        }
    }
    std::panic::set_hook(hook);
    let pass = panics.is_empty() && hangs == 0;
    let mut by: Vec<(&str, usize)> = Vec::new();
    for p in &panics {
        match by.iter_mut().find(|(n, _)| n == p) {
            Some(e) => e.1 += 1,
            None => by.push((p, 1)),
        }
    }
    Ok((
        if pass { Verdict::Pass } else { Verdict::Fail },
        format!(
            "{cases} cases (HL7, FHIR, authorization JSON, settings, CLI arguments; seed {}): {} panics{}, {hangs} over 1 s (slowest {:.1} ms, {})",
            opts.seed,
            panics.len(),
            if by.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    by.iter()
                        .map(|(n, c)| format!("{n} {c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            slowest.0.as_secs_f64() * 1000.0,
            slowest.1
        ),
    ))
}
