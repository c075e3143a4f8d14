//! Interpreting and writing HL7 v2 ADT and MDM messages.
//!
//! Every message is interpreted (required segments and fields checked) on the reader thread,
//! before any transaction; the writes run in group transactions of whole messages, each
//! message all-or-nothing (see [`run_stream`]).
//!
//! Mapping (DOMAIN §8):
//! - Patient: PID-3 (repetition typed `MR`, else the first) → MRN; PID-5 → family^given;
//!   PID-7 → birth date; PID-8 F/M/O/U (A → O, others → U). Matched by
//!   `source_key = hl7:<MSH-4>:<MRN>`, else by MRN when birth date and sex agree (IMP-ID-01:
//!   otherwise it is another person sharing the number, registered as `<MSH-4>:<MRN>` and
//!   flagged with an `identity_conflict` audit event; never merged).
//! - Encounter: visit number = PV1-19, else PID-18 (account number), else derived
//!   `<MRN>-<admit YYYYMMDDHHMMSS>`. Matched by `source_key = hl7:<MSH-4>:<visit>`, else by
//!   visit number when it belongs to the same patient; a visit number already used by another
//!   patient is stored as `<MSH-4>:<visit>`.
//!   PV1-2 class: I/B → inpatient, E → emergency, O/R → outpatient, or observation when
//!   PV1-18 is one of [`OBSERVATION_PATIENT_TYPES`]; P (preadmit) and other classes follow
//!   PV1-18 (I/IP/INPATIENT, E/ER/EMERGENCY, O/OP/OUTPATIENT, OBS) and a bare P is inpatient.
//!   PV1-7 attending (XCN id^family^given; unknown ids create a provider, source hl7),
//!   PV1-36 disposition, PV1-44 admit (else EVN-6, EVN-2, MSH-7 when creating), PV1-45
//!   discharge (A03: else EVN-6/EVN-2/MSH-7).
//!   HL7 field semantics: an empty field changes nothing, `""` clears the value.
//! - Events: A01/A04/A02/A08 create or update; A03 sets the discharge and runs the discharge
//!   hook; A11 (cancel admit) sets `him_status` back to `open` and records the cancellation
//!   (never deletes); A13 (cancel discharge) clears `discharge_at` and sets `him_status` `open`.
//!   A11/A13 for an unknown visit are skipped with a note. Other ADT events and other message
//!   types (ORU, …) are skipped with a note.
//! - MDM T02/T04/T06/T08/T11 (see `mdm::document_status` and `mdm::TXA_DOC_TYPES`): TXA-12 unique
//!   document number is the key (`hl7:<MSH-4>:doc:<TXA-12>`); OBX-5 of text OBX (TX, FT, ST)
//!   joined with newlines is the body. T08 on a signed document whose text changed keeps the
//!   original (status → amended) and adds the edited text as a new document that amends it;
//!   on an unsigned document it updates in place. T06 (addendum) adds a document that amends
//!   TXA-13's document. T11 marks the document entered_in_error.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::hl7::{Hl7Message, Hl7Reader, Segment};
use super::mdm::Doc;
use super::time::{compact, hl7_date, hl7_ts};
use super::write::{Change, Origin, Writer, in_file_tx, int, opt, txt};
use super::{Entry, FileFail, FileOutcome, FileStats, ImportError, ImportSummary, Limits};
use crate::audit::Actor;
use crate::error::CoreError;
use crate::store::Store;

/// PV1-18 patient types that make an outpatient (or preadmit) visit an observation stay.
/// Site-specific in practice (DOMAIN §8); change here until it becomes a setting.
pub const OBSERVATION_PATIENT_TYPES: &[&str] = &["OBS", "OBSERVATION"];

/// HL7 v2 field value: empty = not sent (no change); `""` = clear.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
    Absent,
    Clear,
    Set(String),
}

impl Val {
    pub(super) fn as_opt(&self) -> Option<&str> {
        match self {
            Val::Set(s) => Some(s),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Person {
    pub(super) id: String,
    pub(super) family: String,
    pub(super) given: String,
    /// The id is an NPI: the XCN's assigning authority (XCN.9) or identifier type code
    /// (XCN.13) says `NPI`, and it is ten digits with a valid check digit.
    pub(super) npi: Option<String>,
}

#[derive(Clone)]
pub(super) struct Common {
    pub(super) number: usize,
    pub(super) facility: String,
    pub(super) control_id: String,
    pub(super) msg_type: String,
    pub(super) sha: String,
    pub(super) pid_at: String,
    pub(super) pv1_at: String,
    pub(super) mrn: String,
    pub(super) family: String,
    pub(super) given: String,
    pub(super) birth: Option<String>,
    pub(super) sex: Option<&'static str>,
    /// PID-13 home phone, digits only (as the MPI compares them, `mpi::duplicates`).
    pub(super) phone: Val,
    /// PID-19: only the SSN's last four digits; the full number is never kept.
    pub(super) ssn4: Val,
    pub(super) visit: String,
    pub(super) kind: Option<&'static str>,
    pub(super) class: String,
    pub(super) attending: Option<Person>,
    pub(super) disposition: Val,
    pub(super) admit: Val,
    pub(super) admit_fallback: String,
    pub(super) discharge: Val,
}

pub(super) enum Plan {
    Skip(usize, String),
    Adt(Common, String),
    Mdm(Common, Box<Doc>),
    Order(Common, Box<super::hl7_orders::OrderMsg>),
    Merge(Box<super::hl7_merge::MergePlan>),
}

/// What the reader thread hands the writer: a file starts, one interpreted message (or its
/// rejection), a file ends; or a path that cannot be imported at all.
enum Item {
    Start(PathBuf, String),
    Message(Result<Box<Plan>, ImportError>),
    End(Result<(), ImportError>),
    Unreadable(PathBuf, ImportError),
}

/// The HL7 driver. A reader thread streams each file ([`Hl7Reader`]) and interprets each
/// message (pure work, no database); this thread writes them in group transactions of about
/// `limits.write_budget` of work, each message inside its own SAVEPOINT (all-or-nothing). A
/// group ends early when the reader has no message ready, so the lock is never held while
/// waiting for input. Memory: the channel holds at most `QUEUE` messages.
pub(super) fn run_stream(
    store: &mut Store,
    actor: &Actor,
    files: &[Entry],
    limits: &Limits,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary, CoreError> {
    const QUEUE: usize = 256;
    let total = files.len();
    progress(0, total);
    let max = limits.max_file_bytes;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Item>(QUEUE);
        scope.spawn(move || {
            for entry in files {
                let (path, name) = match entry {
                    Ok(p) => (p, super::display_name(p)),
                    Err((p, e)) => {
                        if tx.send(Item::Unreadable(p.clone(), e.clone())).is_err() {
                            return;
                        }
                        continue;
                    }
                };
                let file = match super::open_file(path, &name, max) {
                    Ok(f) => f,
                    Err(e) => {
                        if tx.send(Item::Unreadable(path.clone(), e)).is_err() {
                            return;
                        }
                        continue;
                    }
                };
                if tx.send(Item::Start(path.clone(), name.clone())).is_err() {
                    return;
                }
                let reader = std::io::BufReader::with_capacity(1 << 16, file);
                let mut end = Ok(());
                for m in Hl7Reader::from_reader(reader, &name) {
                    let item = match m {
                        // A file-level error (read error, no MSH at all) ends the file.
                        Err(e) if e.location.is_empty() => {
                            end = Err(e);
                            break;
                        }
                        Err(e) => Item::Message(Err(e)),
                        Ok(m) => Item::Message(interpret(&m, &name).map(Box::new)),
                    };
                    if tx.send(item).is_err() {
                        return;
                    }
                }
                if tx.send(Item::End(end)).is_err() {
                    return;
                }
            }
        });
        let mut feed = Feed { rx, ahead: None };
        let mut out = Vec::with_capacity(total);
        while let Some(item) = feed.next_blocking() {
            let (path, name) = match item {
                Item::Unreadable(p, e) => {
                    out.push(FileOutcome {
                        file: p,
                        result: Err(e),
                    });
                    progress(out.len(), total);
                    continue;
                }
                Item::Start(p, n) => (p, n),
                // Not expected outside a file; nothing to attach them to.
                Item::Message(_) | Item::End(_) => continue,
            };
            let mut stats = FileStats::default();
            let mut end = Ok(());
            let mut applied_any = false;
            loop {
                // Wait for input outside any transaction.
                match feed.next_blocking() {
                    Some(Item::Message(Err(e))) => stats.rejects.push(e),
                    Some(Item::Message(Ok(plan))) => {
                        let g = group(store, actor, &name, plan, &mut feed, limits.write_budget);
                        // Let a waiting user's action in before the next group.
                        std::thread::sleep(crate::store::WRITER_PAUSE);
                        match g {
                            Ok(g) => stats.absorb(g),
                            Err(FileFail::Rejected(e)) => stats.rejects.push(e),
                            Err(FileFail::Fatal(e)) => {
                                stats.notes.push(format!("stopped inside this file: {e}"));
                                out.push(FileOutcome {
                                    file: path,
                                    result: Ok(stats),
                                });
                                return Ok(ImportSummary {
                                    files: out,
                                    stopped: Some(format!("{name}: {e}")),
                                });
                            }
                        }
                        applied_any = true;
                    }
                    Some(Item::End(r)) => {
                        end = r;
                        break;
                    }
                    Some(other) => {
                        feed.ahead = Some(other);
                        break;
                    }
                    None => break,
                }
            }
            let result = match end {
                // Nothing of the file could be read: the file is rejected whole.
                Err(e) if !applied_any && stats.rejects.is_empty() => Err(e),
                Err(e) => {
                    stats.rejects.push(e);
                    Ok(stats)
                }
                Ok(()) => Ok(stats),
            };
            out.push(FileOutcome { file: path, result });
            progress(out.len(), total);
        }
        Ok(ImportSummary {
            files: out,
            stopped: None,
        })
    })
}

/// The writer's view of the channel, with one item of look-ahead.
struct Feed {
    rx: std::sync::mpsc::Receiver<Item>,
    ahead: Option<Item>,
}

impl Feed {
    fn next_blocking(&mut self) -> Option<Item> {
        self.ahead.take().or_else(|| self.rx.recv().ok())
    }
    /// The next item if one is ready now (never waits: called with the write lock held).
    fn next_ready(&mut self) -> Option<Item> {
        self.ahead.take().or_else(|| self.rx.try_recv().ok())
    }
}

/// One group transaction: `first` and then every message that is ready, until `budget` is
/// spent. A message that fails is rolled back to its SAVEPOINT and listed; the others commit.
fn group(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    first: Box<Plan>,
    feed: &mut Feed,
    budget: Duration,
) -> Result<FileStats, FileFail> {
    let started = Instant::now();
    let mut rejects = Vec::new();
    let mut span = (first.number(), first.number());
    let r = in_file_tx(store, actor, file, |w| {
        let mut next = Some(first);
        while let Some(plan) = next.take() {
            span.1 = plan.number();
            let mark = w.mark()?;
            match apply_one(w, &plan) {
                Ok(()) => w.keep()?,
                Err(FileFail::Rejected(e)) => {
                    w.undo(mark)?;
                    rejects.push(e);
                }
                Err(fatal) => return Err(fatal),
            }
            // Issue #17: the analysis queued for the group's end counts against its budget.
            if w.group_full(started.elapsed(), budget) {
                break;
            }
            // Rejections from parsing are listed; the next message joins this group.
            loop {
                match feed.next_ready() {
                    Some(Item::Message(Ok(p))) => {
                        next = Some(p);
                        break;
                    }
                    Some(Item::Message(Err(e))) => rejects.push(e),
                    Some(other) => {
                        feed.ahead = Some(other);
                        break;
                    }
                    None => break,
                }
            }
        }
        Ok(())
    });
    match r {
        Ok(mut s) => {
            s.rejects.extend(rejects);
            Ok(s)
        }
        // The group's own end failed (deficiency analysis): its messages were rolled back.
        Err(FileFail::Rejected(e)) => Err(FileFail::Rejected(ImportError::new(
            file,
            format!("messages {}-{}", span.0, span.1),
            format!("not imported: {e}"),
        ))),
        Err(f) => Err(f),
    }
}

pub(super) fn apply_one(w: &mut Writer<'_, '_>, plan: &Plan) -> Result<(), FileFail> {
    match plan {
        Plan::Skip(n, note) => {
            w.stats.skipped += 1;
            w.stats.notes.push(format!("message {n}: {note}"));
            Ok(())
        }
        Plan::Adt(c, event) => execute(w, c, event, None),
        Plan::Mdm(c, d) => execute(w, c, &d.event, Some(d)),
        Plan::Order(c, o) => {
            execute(w, c, "O01", None).and_then(|_| super::hl7_orders::apply(w, c, o))
        }
        Plan::Merge(p) => super::hl7_merge::execute(w, p),
    }
}

impl Plan {
    pub(super) fn number(&self) -> usize {
        match self {
            Plan::Skip(n, _) => *n,
            Plan::Adt(c, _) => c.number,
            Plan::Mdm(c, _) => c.number,
            Plan::Order(c, _) => c.number,
            Plan::Merge(p) => p.number,
        }
    }
}

pub(super) struct Msg<'a> {
    pub(super) m: &'a Hl7Message,
    pub(super) file: &'a str,
}

impl Msg<'_> {
    pub(super) fn seg(&self, id: &str) -> Result<&Segment, ImportError> {
        self.m.segment(id).ok_or_else(|| {
            let msh = &self.m.segments[0];
            let last = self.m.segments.last().unwrap_or(msh);
            let mut why = format!("required segment {id} is missing");
            if last.line == self.m.last_line {
                why.push_str(&format!(
                    " (the file ends at line {} inside or after segment {}: truncated?)",
                    last.line, last.id
                ));
            }
            ImportError::new(
                self.file,
                format!("message {}, line {} ({id})", self.m.number, last.line),
                why,
            )
        })
    }
    pub(super) fn err(&self, s: &Segment, field: usize, msg: impl Into<String>) -> ImportError {
        ImportError::new(
            self.file,
            format!(
                "message {}, line {} ({}-{field})",
                self.m.number, s.line, s.id
            ),
            msg,
        )
    }
    pub(super) fn comp(&self, s: &Segment, field: usize, c: usize) -> String {
        self.m.component(s.raw(field), 0, c)
    }
    pub(super) fn val(&self, s: &Segment, field: usize, c: usize) -> Val {
        match s.raw(field) {
            "" => Val::Absent,
            "\"\"" => Val::Clear,
            _ => match self.comp(s, field, c) {
                v if v.is_empty() => Val::Absent,
                v => Val::Set(v),
            },
        }
    }
    pub(super) fn ts(&self, s: &Segment, field: usize, c: usize) -> Result<Val, ImportError> {
        match self.val(s, field, c) {
            Val::Set(v) => hl7_ts(&v).map(Val::Set).map_err(|e| self.err(s, field, e)),
            other => Ok(other),
        }
    }
    pub(super) fn person(&self, s: &Segment, field: usize) -> Option<Person> {
        let id = self.comp(s, field, 1);
        let says_npi = [9, 13]
            .iter()
            .any(|&c| self.comp(s, field, c).eq_ignore_ascii_case("NPI"));
        let npi = (says_npi && crate::demo::roster::npi_is_valid(&id)).then(|| id.clone());
        let p = Person {
            id,
            family: self.comp(s, field, 2),
            given: self.comp(s, field, 3),
            npi,
        };
        (!p.id.is_empty() || !p.family.is_empty()).then_some(p)
    }
}

pub(super) fn interpret(m: &Hl7Message, file: &str) -> Result<Plan, ImportError> {
    let x = Msg { m, file };
    let msh = &m.segments[0];
    let msg_type = format!("{}^{}", x.comp(msh, 9, 1), x.comp(msh, 9, 2));
    if x.comp(msh, 9, 1).is_empty() {
        return Err(x.err(msh, 9, "message type is empty"));
    }
    let msh_time = x
        .ts(msh, 7, 1)?
        .as_opt()
        .map(str::to_string)
        .ok_or_else(|| x.err(msh, 7, "message date/time is empty"))?;
    let (kind, event) = (x.comp(msh, 9, 1), x.comp(msh, 9, 2));
    if kind == "ADT" && super::hl7_merge::MERGE_EVENTS.contains(&event.as_str()) {
        return Ok(Plan::Merge(Box::new(super::hl7_merge::interpret(
            &x, &msg_type,
        )?)));
    }
    let supported = match kind.as_str() {
        "ADT" => matches!(
            event.as_str(),
            "A01" | "A02" | "A03" | "A04" | "A08" | "A11" | "A13"
        ),
        "MDM" => matches!(event.as_str(), "T02" | "T04" | "T06" | "T08" | "T11"),
        _ => super::hl7_orders::supported(&kind, &event),
    };
    if !supported {
        return Ok(Plan::Skip(
            m.number,
            format!("{msg_type} is not imported (skipped)"),
        ));
    }
    let facility = [x.comp(msh, 4, 1), x.comp(msh, 4, 2), x.comp(msh, 3, 1)]
        .into_iter()
        .find(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let evn_time = match m.segment("EVN") {
        Some(e) => match x.ts(e, 6, 1)? {
            Val::Set(t) => Some(t),
            _ => x.ts(e, 2, 1)?.as_opt().map(str::to_string),
        },
        None => None,
    };
    let fallback = evn_time.unwrap_or(msh_time);
    let pid = x.seg("PID")?;
    let pv1 = x.seg("PV1")?;
    let reps = m.repetitions(pid.raw(3));
    let rep = (0..reps.len())
        .find(|&r| m.component(pid.raw(3), r, 5) == "MR")
        .unwrap_or(0);
    let mrn = m.component(pid.raw(3), rep, 1);
    if mrn.trim().is_empty() {
        return Err(x.err(pid, 3, "patient identifier (MRN) is empty"));
    }
    let family = x.comp(pid, 5, 1);
    if family.is_empty() {
        return Err(x.err(pid, 5, "patient family name is empty"));
    }
    let birth = match x.val(pid, 7, 1) {
        Val::Set(v) => Some(hl7_date(&v).map_err(|e| x.err(pid, 7, e))?),
        _ => None,
    };
    let sex = match x.comp(pid, 8, 1).as_str() {
        "" => None,
        "F" => Some("F"),
        "M" => Some("M"),
        "A" | "O" => Some("O"),
        _ => Some("U"),
    };
    let class = x.comp(pv1, 2, 1);
    let admit = x.ts(pv1, 44, 1)?;
    let mut discharge = x.ts(pv1, 45, 1)?;
    if event == "A03" && discharge == Val::Absent {
        discharge = Val::Set(fallback.clone());
    }
    let visit = [x.comp(pv1, 19, 1), x.comp(pid, 18, 1)]
        .into_iter()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_else(|| format!("{mrn}-{}", compact(admit.as_opt().unwrap_or(&fallback))));
    let common = Common {
        number: m.number,
        facility,
        control_id: x.comp(msh, 10, 1),
        msg_type,
        sha: m.sha256.clone(),
        pid_at: format!("message {}, line {} (PID)", m.number, pid.line),
        pv1_at: format!("message {}, line {} (PV1)", m.number, pv1.line),
        mrn,
        family,
        given: x.comp(pid, 5, 2),
        birth,
        sex,
        phone: home_phone(&x, pid),
        ssn4: ssn_last4(&x, pid)?,
        visit,
        kind: encounter_kind(&class, &x.comp(pv1, 18, 1)),
        class,
        attending: x.person(pv1, 7),
        disposition: x.val(pv1, 36, 1),
        admit,
        admit_fallback: fallback.clone(),
        discharge,
    };
    if kind == "ADT" {
        return Ok(Plan::Adt(common, event));
    }
    if super::hl7_orders::supported(&kind, &event) {
        return Ok(Plan::Order(
            common,
            Box::new(super::hl7_orders::interpret(&x, &fallback)?),
        ));
    }
    let doc = super::mdm::interpret_txa(&x, event, &fallback)?;
    Ok(Plan::Mdm(common, Box::new(doc)))
}

/// PID-13 (XTN, repeating): the home phone as digits, as the MPI compares them. The first
/// repetition used for the primary residence (XTN-2 `PRN`) that carries a number, else the
/// first that does; e-mail repetitions (XTN-3 `Internet`, `X.400`) are not phones. The
/// number is XTN-1, else XTN-6 area code + XTN-7 local number, else XTN-12; a North American
/// 11-digit number loses its leading country code 1.
fn home_phone(x: &Msg<'_>, pid: &Segment) -> Val {
    let raw = pid.raw(13);
    match raw {
        "" => return Val::Absent,
        "\"\"" => return Val::Clear,
        _ => {}
    }
    let digits = |s: String| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let mut first = None;
    for r in 0..x.m.repetitions(raw).len() {
        let c = |n| x.m.component(raw, r, n);
        if matches!(c(3).to_ascii_uppercase().as_str(), "INTERNET" | "X.400") {
            continue;
        }
        let mut d = digits(c(1));
        if d.is_empty() {
            d = digits(c(6) + &c(7));
        }
        if d.is_empty() {
            d = digits(c(12));
        }
        if d.len() == 11 && d.starts_with('1') {
            d.remove(0);
        }
        if d.is_empty() {
            continue;
        }
        if c(2).eq_ignore_ascii_case("PRN") {
            return Val::Set(d);
        }
        first.get_or_insert(d);
    }
    first.map_or(Val::Absent, Val::Set)
}

/// PID-19 (SSN): only its last four digits are kept (minimum necessary, migration 0021); the
/// full number is never stored, logged or echoed in an error.
fn ssn_last4(x: &Msg<'_>, pid: &Segment) -> Result<Val, ImportError> {
    match pid.raw(19) {
        "" => Ok(Val::Absent),
        "\"\"" => Ok(Val::Clear),
        _ => {
            let d: Vec<char> = x
                .comp(pid, 19, 1)
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if d.len() < 4 {
                return Err(x.err(
                    pid,
                    19,
                    format!(
                        "social security number has {} digits, fewer than the last four kept",
                        d.len()
                    ),
                ));
            }
            Ok(Val::Set(d[d.len() - 4..].iter().collect()))
        }
    }
}

fn encounter_kind(class: &str, patient_type: &str) -> Option<&'static str> {
    let pt = patient_type.trim().to_ascii_uppercase();
    let obs = OBSERVATION_PATIENT_TYPES.contains(&pt.as_str());
    let from_type = || match pt.as_str() {
        "I" | "IP" | "INPATIENT" => Some("inpatient"),
        "E" | "ER" | "EMERGENCY" => Some("emergency"),
        "O" | "OP" | "OUTPATIENT" => Some("outpatient"),
        _ if obs => Some("observation"),
        _ => None,
    };
    match class {
        "I" | "B" => Some("inpatient"),
        "E" => Some("emergency"),
        "O" | "R" if obs => Some("observation"),
        "O" | "R" => Some("outpatient"),
        "P" => from_type().or(Some("inpatient")),
        _ => from_type(),
    }
}

fn execute(
    w: &mut Writer<'_, '_>,
    c: &Common,
    event: &str,
    doc: Option<&Doc>,
) -> Result<(), FileFail> {
    let msh_at = format!("message {}, line 1 (MSH)", c.number);
    if w.ledger_seen(&c.sha, &msh_at)? {
        w.stats.unchanged += 2 + usize::from(doc.is_some());
        return Ok(());
    }
    let pkey = format!("hl7:{}:{}", c.facility, c.mrn);
    // IMP-ID-01: another person's MRN registers this facility's patient as `<MSH-4>:<MRN>`,
    // found by its source key from then on.
    let (found, mrn, conflict) = w.match_patient(
        &pkey,
        &c.mrn,
        c.birth.as_deref(),
        c.sex,
        &c.facility,
        &c.pid_at,
    )?;
    let qualified;
    let c = if mrn == c.mrn {
        c
    } else {
        qualified = Common { mrn, ..c.clone() };
        &qualified
    };
    let mut cols = vec![
        ("mrn", txt(&c.mrn)),
        ("family_name", txt(&c.family)),
        ("given_name", txt(&c.given)),
    ];
    match (&c.birth, found) {
        (Some(b), _) => cols.push(("birth_date", txt(b))),
        (None, None) => {
            return Err(w.reject(
                &c.pid_at.replace("(PID)", "(PID-7)"),
                "date of birth is empty (needed to register a new patient)",
            ));
        }
        (None, Some(_)) => {}
    }
    cols.push(("sex", txt(c.sex.unwrap_or("U"))));
    if found.is_some() && c.sex.is_none() {
        cols.pop();
    }
    // PID-13, PID-19: an empty field changes nothing, `""` clears (the columns are NOT NULL:
    // empty means not known).
    for (col, v) in [("phone", &c.phone), ("ssn_last4", &c.ssn4)] {
        match v {
            Val::Set(s) => cols.push((col, txt(s))),
            Val::Clear => cols.push((col, txt(""))),
            Val::Absent => {}
        }
    }
    if found.is_none() {
        cols.push(("source", txt("hl7")));
        cols.push(("source_key", txt(&pkey)));
    }
    let origin = Origin {
        at: &c.pid_at,
        source_key: &pkey,
    };
    let (patient, _) = w.upsert(
        "patients",
        "patient",
        found,
        &cols,
        &origin,
        Some(&c.mrn),
        None,
    )?;
    if let Some(why) = conflict {
        w.flag_identity_conflict(patient, &c.mrn, why, &c.pid_at);
    }

    // Encounter.
    let ekey = format!("hl7:{}:{}", c.facility, c.visit);
    let mut visit_number = c.visit.clone();
    let mut found = w.find("encounters", "source_key", &ekey, &c.pv1_at)?;
    if found.is_none()
        && let Some(f) = w.find("encounters", "visit_number", &c.visit, &c.pv1_at)?
    {
        if owner(w, f, &c.pv1_at)? == patient {
            found = Some(f);
        } else {
            visit_number = format!("{}:{}", c.facility, c.visit);
            found = w.find("encounters", "visit_number", &visit_number, &c.pv1_at)?;
        }
    }
    // The found visit's owner and discharge time, in one read.
    let (owner_id, old_discharge) = match found {
        Some(f) => owner_and_discharge(w, f, &c.pv1_at)?,
        None => (patient, None),
    };
    if owner_id != patient {
        return Err(w.reject(
            &c.pv1_at.replace("(PV1)", "(PV1-19)"),
            format!(
                "visit {} belongs to another patient, not MRN {}",
                c.visit, c.mrn
            ),
        ));
    }
    let eorigin = Origin {
        at: &c.pv1_at,
        source_key: &ekey,
    };
    if matches!(event, "A11" | "A13") {
        let Some(id) = found else {
            w.stats.skipped += 1;
            w.stats.notes.push(format!(
                "message {}: {} for unknown visit {} skipped",
                c.number, c.msg_type, c.visit
            ));
            return w.ledger_record(&c.sha, &c.control_id, &c.msg_type, &msh_at);
        };
        if event == "A13" {
            let cols = [("discharge_at", opt(None)), ("him_status", txt("open"))];
            w.upsert(
                "encounters",
                "encounter",
                Some(id),
                &cols,
                &eorigin,
                Some(&c.mrn),
                None,
            )?;
        } else {
            let (_, ch) = w.upsert(
                "encounters",
                "encounter",
                Some(id),
                &[("him_status", txt("open"))],
                &eorigin,
                Some(&c.mrn),
                None,
            )?;
            if ch == Change::Unchanged {
                w.stats.unchanged -= 1;
                w.note(
                    "encounter",
                    id,
                    &Change::Updated(vec!["admit_cancelled"]),
                    &eorigin,
                    Some(&c.mrn),
                    Some(id),
                    Some("admit cancelled (A11)"),
                );
            }
        }
        return w.ledger_record(&c.sha, &c.control_id, &c.msg_type, &msh_at);
    }
    let attending = match &c.attending {
        Some(p) => Some(provider(w, &c.facility, p, &c.pv1_at)?),
        None => None,
    };
    let mut cols = vec![("patient_id", int(Some(patient)))];
    if found.is_none() {
        let kind = c.kind.ok_or_else(|| {
            w.reject(
                &c.pv1_at.replace("(PV1)", "(PV1-2)"),
                format!(
                    "patient class '{}' is not mapped (I, O, E, B, R, P; observation via PV1-18)",
                    c.class
                ),
            )
        })?;
        cols.push(("visit_number", txt(&visit_number)));
        cols.push(("kind", txt(kind)));
        cols.push((
            "admit_at",
            txt(c.admit.as_opt().unwrap_or(&c.admit_fallback)),
        ));
        cols.push(("source", txt("hl7")));
        cols.push(("source_key", txt(&ekey)));
    } else {
        if let Some(k) = c.kind {
            cols.push(("kind", txt(k)));
        }
        if let Val::Set(a) = &c.admit {
            cols.push(("admit_at", txt(a)));
        }
    }
    if let Some(a) = attending {
        cols.push(("attending_id", int(Some(a))));
    }
    match &c.disposition {
        Val::Set(d) => cols.push(("discharge_disposition", txt(d))),
        Val::Clear => cols.push(("discharge_disposition", opt(None))),
        Val::Absent => {}
    }
    match &c.discharge {
        Val::Set(d) => cols.push(("discharge_at", txt(d))),
        Val::Clear => cols.push(("discharge_at", opt(None))),
        Val::Absent => {}
    }
    let (encounter, _) = w.upsert(
        "encounters",
        "encounter",
        found,
        &cols,
        &eorigin,
        Some(&c.mrn),
        None,
    )?;
    if old_discharge.is_none() && matches!(c.discharge, Val::Set(_)) {
        w.discharged(encounter, &c.pv1_at)?;
    }
    if let Some(d) = doc {
        super::mdm::document(w, c, d, encounter)?;
    }
    w.ledger_record(&c.sha, &c.control_id, &c.msg_type, &msh_at)
}

/// An encounter's patient and discharge time.
fn owner_and_discharge(
    w: &Writer<'_, '_>,
    encounter: i64,
    at: &str,
) -> Result<(i64, Option<String>), FileFail> {
    use rusqlite::OptionalExtension;
    Ok(w.tx
        .prepare_cached("SELECT patient_id, discharge_at FROM encounters WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([encounter], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(|e| w.db(at, e))?
        .unwrap_or((-1, None)))
}

fn owner(w: &Writer<'_, '_>, encounter: i64, at: &str) -> Result<i64, FileFail> {
    Ok(
        w.text("encounters", "CAST(patient_id AS TEXT)", encounter, at)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1),
    )
}

/// Find or create the provider an XCN names (by NPI when the XCN carries one, else key:
/// facility + id, else facility + name).
pub(super) fn provider(
    w: &mut Writer<'_, '_>,
    facility: &str,
    p: &Person,
    at: &str,
) -> Result<i64, FileFail> {
    let key = if p.id.is_empty() {
        format!("hl7:{facility}:prov:name:{}^{}", p.family, p.given)
    } else {
        format!("hl7:{facility}:prov:{}", p.id)
    };
    let said = format!(
        "{key}\u{1f}{}\u{1f}{}\u{1f}{}",
        p.family,
        p.given,
        p.npi.as_deref().unwrap_or("")
    );
    if let Some(&(_, id)) = w.providers.iter().find(|(s, _)| *s == said) {
        return Ok(id);
    }
    // An NPI names one provider across feeds (the FHIR import finds practitioners the same
    // way), so the provider master holds one row per NPI.
    let found = match &p.npi {
        Some(n) => w.find("providers", "npi", n, at)?,
        None => None,
    };
    let found = match found {
        Some(f) => Some(f),
        None => w.find("providers", "source_key", &key, at)?,
    };
    let family = if p.family.is_empty() {
        p.id.clone()
    } else {
        p.family.clone()
    };
    let mut cols = vec![("family_name", txt(&family)), ("given_name", txt(&p.given))];
    if let Some(n) = &p.npi {
        cols.push(("npi", txt(n)));
    }
    if found.is_none() {
        cols.push(("source", txt("hl7")));
        cols.push(("source_key", txt(&key)));
    }
    let origin = Origin {
        at,
        source_key: &key,
    };
    let (id, _) = w.upsert("providers", "provider", found, &cols, &origin, None, None)?;
    w.providers.retain(|&(_, other)| other != id);
    w.providers.push((said, id));
    Ok(id)
}
