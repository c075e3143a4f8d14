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

use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::fhir::{NPI_SYSTEM, ParsedResource, Resource};
use super::fhir_spill::{self, Spill};
use super::write::{Change, Origin, Writer, in_file_tx, int, opt, txt};
use super::{FileFail, FileStats, ImportError};
use crate::audit::Actor;
use crate::store::Store;

/// Write one file's resources. A transaction Bundle, or a small file, is one transaction
/// (all-or-nothing). Any other Bundle (batch, collection, searchset) is written in groups of
/// entries in dependency order (organizations, practitioners, patients, encounters, then the
/// rest), each group one transaction of about `budget` of work: references into an earlier
/// group resolve to its committed rows. Each entry of a group is all-or-nothing on its own: one
/// that fails is rolled back alone and listed (file, entry, field), entries that refer to it
/// then fail too, and the others commit. Only a failure at the group's end (the deficiency
/// analysis) rolls the group back whole; it is then listed as one reject.
pub(super) fn apply(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    parsed: &[ParsedResource],
    atomic: bool,
    budget: Duration,
) -> Result<FileStats, FileFail> {
    let mut bundle = Bundle::default();
    let mut st = State::default();
    for p in parsed {
        bundle.add(p);
        st.count_skipped(p);
    }
    let skipped = st.skipped_stats();
    if atomic || parsed.len() <= GROUP_START {
        let all: Vec<&ParsedResource> = parsed.iter().collect();
        let mut s = write_group(store, actor, file, &bundle, &all, &mut st, None, None)?;
        s.skipped += skipped.skipped;
        s.notes.extend(skipped.notes);
        return Ok(s);
    }
    let mut stats = skipped;
    let order: Vec<&ParsedResource> = parsed.iter().collect();
    apply_ranked(
        store, actor, file, &bundle, &mut st, &mut stats, order, budget,
    )?;
    Ok(stats)
}

/// Entries in the first group of a grouped Bundle (later groups are sized by time); a file
/// with no more entries than this is written in one transaction.
pub(super) const GROUP_START: usize = 200;

/// The largest streamed group after groups that only set entries aside: deciding what waits
/// reads the database for each forward reference inside the transaction, so it is bounded too.
const ASIDE_MAX: usize = 1_000;

/// Entries in the first group of each kind of resource after the first.
const GROUP_FIRST_OF_KIND: usize = 25;

fn rank(t: &str) -> u8 {
    match t {
        "Organization" => 0,
        "Practitioner" => 1,
        "Patient" => 2,
        "Encounter" => 3,
        _ => 4,
    }
}

/// Write `order` in dependency order, in groups sized by pace (each group one kind of
/// resource), adding counts and rejected groups to `stats`.
#[allow(clippy::too_many_arguments)]
fn apply_ranked(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    bundle: &Bundle,
    st: &mut State,
    stats: &mut FileStats,
    mut order: Vec<&ParsedResource>,
    budget: Duration,
) -> Result<(), FileFail> {
    order.sort_by_key(|p| (rank(&p.resource_type), p.entry));
    let mut rest: std::collections::VecDeque<&ParsedResource> = order.into();
    let mut size = GROUP_START;
    let mut left = Vec::new();
    while let Some(first) = rest.front() {
        // A group holds one kind of resource (their costs differ): it ends where the rank does.
        let r0 = rank(&first.resource_type);
        let mut end = size.min(rest.len());
        if let Some(k) = rest
            .iter()
            .take(end)
            .position(|p| rank(&p.resource_type) != r0)
        {
            end = k;
        }
        let group: Vec<&ParsedResource> = rest.drain(..end).collect();
        let started = Instant::now();
        let r = write_group(
            store,
            actor,
            file,
            bundle,
            &group,
            st,
            None,
            Some((hold_cut(budget), &mut left)),
        );
        let written = requeue(&group, &mut left, &mut rest, &r);
        absorb(file, st, stats, &written, r)?;
        // Size the next group from this one's pace (at most doubling); a new kind of resource
        // starts small again.
        size = if rest.front().is_some_and(|p| rank(&p.resource_type) != r0) {
            GROUP_FIRST_OF_KIND
        } else {
            next_size(written.len().max(1), started, budget)
        };
        if !rest.is_empty() {
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
    }
    Ok(())
}

/// How long a group may hold the write lock before it is closed (checked after each entry):
/// twice the pace budget, at most 100 ms (but never under the budget), so that with the
/// commit's own work no import transaction comes near 250 ms (issue #17).
pub(super) fn hold_cut(budget: Duration) -> Duration {
    (budget * 2).min(Duration::from_millis(100)).max(budget)
}

/// After a group that was cut short (`left`: the positions it did not reach), put those back
/// at the front of `rest`, in order; answer the entries the group did write (all, when it
/// was not cut or failed).
fn requeue<'a>(
    group: &[&'a ParsedResource],
    left: &mut Vec<usize>,
    rest: &mut std::collections::VecDeque<&'a ParsedResource>,
    r: &Result<FileStats, FileFail>,
) -> Vec<&'a ParsedResource> {
    if r.is_err() || left.is_empty() {
        left.clear();
        return group.to_vec();
    }
    let not: HashSet<usize> = left.drain(..).collect();
    let (back, written): (Vec<&ParsedResource>, Vec<&ParsedResource>) =
        group.iter().copied().partition(|p| not.contains(&p.entry));
    for p in back.into_iter().rev() {
        rest.push_front(p);
    }
    written
}

/// The next group's size from this one's pace (at most doubling).
fn next_size(len: usize, started: Instant, budget: Duration) -> usize {
    let took = started.elapsed().as_secs_f64().max(1e-4);
    let fit = (len as f64 * budget.as_secs_f64() / took) as usize;
    fit.min(2 * len).clamp(10, 5_000)
}

/// Add one group's outcome to the file's: its counts, or (rolled back) its reject.
fn absorb(
    file: &str,
    st: &mut State,
    stats: &mut FileStats,
    group: &[&ParsedResource],
    r: Result<FileStats, FileFail>,
) -> Result<(), FileFail> {
    match r {
        Ok(s) => {
            stats.created += s.created;
            stats.updated += s.updated;
            stats.unchanged += s.unchanged;
            stats.discharges += s.discharges;
            stats.notes.extend(s.notes);
            // Entries rejected on their own inside the group (the others committed).
            stats.rejects.extend(s.rejects);
            stats.transactions += s.transactions;
            stats.longest_write_ms = stats.longest_write_ms.max(s.longest_write_ms);
            stats.most_end_items = stats.most_end_items.max(s.most_end_items);
        }
        Err(FileFail::Rejected(e)) => {
            // Its rows were rolled back: forget their ids (and cached MRNs, whose
            // patient ids may be reused).
            for p in group {
                st.forget(p.entry);
            }
            st.mrn.clear();
            let first = group.iter().map(|p| p.entry).min().unwrap_or(0);
            let last = group.iter().map(|p| p.entry).max().unwrap_or(0);
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
    Ok(())
}

/// A Bundle (batch, collection, searchset) written while it is read: entries arrive in
/// chunks ([`Streamed::feed`]) and are written in file order, in groups of about `budget` of
/// work, so memory holds one group plus the small reference index (fullUrl and `Type/id` →
/// entry), never the file; past `spill_after` entries the index and the entries set aside are
/// kept in a temporary file instead (`fhir_spill`). An entry whose reference points to an entry not written yet (later
/// in the file, or itself waiting) is set aside and written at the end, in dependency order
/// ([`Streamed::finish`]), when everything it can refer to has been seen.
pub(super) struct Streamed {
    file: String,
    budget: Duration,
    bundle: Bundle,
    st: State,
    stats: FileStats,
    pending: std::collections::VecDeque<ParsedResource>,
    /// Entries set aside (their positions are in `waiting`), while in memory.
    spill: Vec<ParsedResource>,
    waiting: HashSet<usize>,
    size: usize,
    /// Entries seen; past `spill_after` the index and the set-aside entries move to the spill
    /// store (`fhir_spill`), so memory no longer grows with the file.
    seen: usize,
    spill_after: usize,
    store: Option<Rc<Spill>>,
}

impl Streamed {
    pub(super) fn new(file: &str, budget: Duration, spill_after: usize) -> Self {
        Streamed {
            file: file.to_string(),
            budget,
            bundle: Bundle::default(),
            st: State::default(),
            stats: FileStats::default(),
            pending: Default::default(),
            spill: Vec::new(),
            waiting: HashSet::new(),
            size: GROUP_START,
            seen: 0,
            spill_after,
            store: None,
        }
    }

    /// An entry that could not be parsed: listed, the others go on.
    pub(super) fn reject(&mut self, e: ImportError) {
        self.stats.rejects.push(e);
    }

    /// Move the index, the written ids and the set-aside entries into a new spill store.
    fn start_spill(&mut self) -> Result<(), FileFail> {
        let s = Rc::new(Spill::open()?);
        self.bundle.spill_to(Rc::clone(&s));
        for (&pos, &id) in &self.st.ids {
            s.set_id(pos, Some(id));
        }
        self.st.ids = HashMap::new();
        self.st.spill = Some(Rc::clone(&s));
        for p in std::mem::take(&mut self.spill) {
            s.push_aside(rank(&p.resource_type), &p);
        }
        self.waiting = HashSet::new();
        s.check()?;
        self.store = Some(s);
        Ok(())
    }

    /// Take more entries (in file order); write every full group.
    pub(super) fn feed(
        &mut self,
        store: &mut Store,
        actor: &Actor,
        entries: Vec<ParsedResource>,
    ) -> Result<(), FileFail> {
        for p in entries {
            self.seen += 1;
            if self.store.is_none() && self.seen > self.spill_after {
                self.start_spill()?;
            }
            self.bundle.add(&p);
            self.st.count_skipped(&p);
            self.pending.push_back(p);
        }
        while self.pending.len() >= self.size {
            self.next_group(store, actor)?;
        }
        Ok(())
    }

    fn next_group(&mut self, store: &mut Store, actor: &Actor) -> Result<(), FileFail> {
        let n = self.size.min(self.pending.len());
        let group: Vec<ParsedResource> = self.pending.drain(..n).collect();
        let refs: Vec<&ParsedResource> = group.iter().collect();
        let started = Instant::now();
        let wait = Wait {
            waiting: &self.waiting,
            spill: self.store.as_deref(),
            before: refs.first().map_or(0, |p| p.entry),
        };
        let mut set_aside = HashSet::new();
        let mut left = Vec::new();
        let r = write_group(
            store,
            actor,
            &self.file,
            &self.bundle,
            &refs,
            &mut self.st,
            Some((&wait, &mut set_aside)),
            Some((hold_cut(self.budget), &mut left)),
        );
        let left: HashSet<usize> = if r.is_ok() {
            left.into_iter().collect()
        } else {
            HashSet::new()
        };
        let written: Vec<&ParsedResource> = refs
            .iter()
            .copied()
            .filter(|p| !set_aside.contains(&p.entry) && !left.contains(&p.entry))
            .collect();
        // A rejected group is listed and the file goes on; only a fatal error stops it.
        let nothing = written.is_empty() && left.is_empty();
        absorb(&self.file, &mut self.st, &mut self.stats, &written, r)?;
        // A group whose every entry was set aside wrote nothing, so it measured no pace: the
        // next one is larger (sizing it from one entry made a forward-everywhere file take a
        // write transaction per 10 entries).
        self.size = if nothing {
            (self.size * 2).clamp(GROUP_START, ASIDE_MAX)
        } else {
            next_size(written.len().max(1), started, self.budget)
        };
        // The entries a group cut short did not reach go first in the next group, in order.
        let mut back = Vec::new();
        for p in group {
            if left.contains(&p.entry) {
                back.push(p);
            } else if set_aside.contains(&p.entry) {
                match &self.store {
                    Some(s) => s.push_aside(rank(&p.resource_type), &p),
                    None => {
                        self.waiting.insert(p.entry);
                        self.spill.push(p);
                    }
                }
            }
        }
        for p in back.into_iter().rev() {
            self.pending.push_front(p);
        }
        if let Some(s) = &self.store {
            s.check()?;
        }
        if !self.pending.is_empty() {
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
        Ok(())
    }

    /// The end of the file: write what is left, then the entries set aside.
    pub(super) fn finish(
        mut self,
        store: &mut Store,
        actor: &Actor,
    ) -> Result<FileStats, FileFail> {
        while !self.pending.is_empty() {
            self.next_group(store, actor)?;
        }
        let spill = std::mem::take(&mut self.spill);
        if !spill.is_empty() {
            self.waiting.clear();
            let order: Vec<&ParsedResource> = spill.iter().collect();
            apply_ranked(
                store,
                actor,
                &self.file,
                &self.bundle,
                &mut self.st,
                &mut self.stats,
                order,
                self.budget,
            )?;
        }
        if let Some(s) = self.store.clone() {
            self.stats.notes.push(format!(
                "{} entries: past {} the reference index and the {} entries set aside (forward references) were kept in a temporary file, not in memory",
                self.seen,
                self.spill_after,
                s.aside_count()
            ));
            self.replay(store, actor, &s)?;
        }
        let skipped = self.st.skipped_stats();
        self.stats.skipped += skipped.skipped;
        self.stats.notes.extend(skipped.notes);
        Ok(self.stats)
    }

    /// Write the entries set aside in the spill store, in dependency order, in groups sized
    /// by pace (one kind of resource per group); only one group is in memory at a time.
    fn replay(&mut self, store: &mut Store, actor: &Actor, s: &Spill) -> Result<(), FileFail> {
        let (mut after, mut size) = ((0u8, -1i64), GROUP_START);
        let mut left = Vec::new();
        // The entries a group cut short did not reach: they alone are the next group.
        let mut carry: Vec<ParsedResource> = Vec::new();
        loop {
            let fresh = carry.is_empty();
            let group = if fresh {
                s.next_aside(after, size)?
            } else {
                std::mem::take(&mut carry)
            };
            let Some(last) = group.last() else {
                return Ok(());
            };
            if fresh {
                after = (rank(&last.resource_type), last.entry as i64);
            }
            let refs: Vec<&ParsedResource> = group.iter().collect();
            let started = Instant::now();
            let r = write_group(
                store,
                actor,
                &self.file,
                &self.bundle,
                &refs,
                &mut self.st,
                None,
                Some((hold_cut(self.budget), &mut left)),
            );
            let mut rest = std::collections::VecDeque::new();
            let written = requeue(&refs, &mut left, &mut rest, &r);
            let cut = !rest.is_empty();
            let not: HashSet<usize> = rest.iter().map(|p| p.entry).collect();
            absorb(&self.file, &mut self.st, &mut self.stats, &written, r)?;
            s.check()?;
            // Size the next group from this one's pace. A fresh group that ended before
            // `size` uncut ended where its kind of resource does: the next kind starts small
            // again (a size carried over from a cheap kind to a costly one held the lock for
            // seconds).
            size = if fresh && !cut && group.len() < size {
                GROUP_FIRST_OF_KIND
            } else {
                next_size(written.len().max(1), started, self.budget)
            };
            carry = group
                .into_iter()
                .filter(|p| not.contains(&p.entry))
                .collect();
            std::thread::sleep(crate::store::WRITER_PAUSE);
        }
    }
}

/// Which positions a streamed group may refer to: those before it (written, or set aside:
/// `waiting`, in memory or in the spill store) and its own; later ones are not written yet.
struct Wait<'a> {
    waiting: &'a HashSet<usize>,
    spill: Option<&'a Spill>,
    before: usize,
}

impl Wait<'_> {
    fn is_waiting(&self, pos: usize) -> bool {
        match self.spill {
            Some(s) => s.is_waiting(pos),
            None => self.waiting.contains(&pos),
        }
    }
}

/// The references of a resource that must resolve before it is written: (reference, wanted
/// type when known).
fn refs_of(p: &ParsedResource) -> Vec<(&str, Option<&'static str>)> {
    let mut out: Vec<(&str, Option<&'static str>)> = Vec::new();
    match &p.data {
        Resource::Encounter(d) => {
            out.push((&d.subject, Some("Patient")));
            if let Some((r, _)) = &d.attending {
                out.push((r, Some("Practitioner")));
            }
        }
        Resource::Fact(d) => {
            out.push((&d.subject, Some("Patient")));
            out.extend(d.encounter.as_deref().map(|e| (e, Some("Encounter"))));
            out.extend(d.performer.as_deref().map(|e| (e, Some("Practitioner"))));
        }
        Resource::Document(d) => {
            out.push((&d.encounter, Some("Encounter")));
            out.extend(d.author.as_deref().map(|e| (e, Some("Practitioner"))));
            out.extend(
                d.authenticator
                    .as_deref()
                    .map(|e| (e, Some("Practitioner"))),
            );
            out.extend(
                d.replaces
                    .iter()
                    .map(|e| (e.as_str(), Some("DocumentReference"))),
            );
        }
        Resource::Order(d) => {
            out.push((&d.encounter, Some("Encounter")));
            out.push((&d.subject, Some("Patient")));
            for r in [&d.requester, &d.performer].into_iter().flatten() {
                let want = r.starts_with("Practitioner").then_some("Practitioner");
                out.push((r, want));
            }
        }
        Resource::Claim(c) if c.total_cents.is_some() => {
            out.extend(c.encounters.iter().map(|e| (e.as_str(), Some("Encounter"))));
        }
        _ => {}
    }
    out
}

/// The positions of `group` to set aside: an entry is written now when each of its references
/// resolves to an entry before the group that is not waiting, to one of the group's entries
/// that is not set aside, to an existing row (`in_db`), or is a conditional NPI reference.
fn set_aside(
    bundle: &Bundle,
    group: &[&ParsedResource],
    wait: &Wait<'_>,
    written: &dyn Fn(usize) -> bool,
    in_db: &mut dyn FnMut(&str, &str) -> Result<bool, FileFail>,
) -> Result<HashSet<usize>, FileFail> {
    let in_group: HashSet<usize> = group.iter().map(|p| p.entry).collect();
    let mut aside: HashSet<usize> = HashSet::new();
    let mut order: Vec<&ParsedResource> = group.to_vec();
    order.sort_by_key(|p| (rank(&p.resource_type), p.entry));
    loop {
        let mut changed = false;
        for p in &order {
            if aside.contains(&p.entry) {
                continue;
            }
            let mut ready = true;
            for (r, want) in refs_of(p) {
                ready = match bundle.position(r) {
                    Some(i) if in_group.contains(&i) => !aside.contains(&i),
                    // Before the group and not waiting, or written by an earlier group (a
                    // group cut short leaves entries before positions already written).
                    Some(i) => (i < wait.before && !wait.is_waiting(i)) || written(i),
                    None if conditional_npi(r).is_some() => true,
                    None => match want {
                        Some(t) => in_db(r, t)?,
                        None => false,
                    },
                };
                if !ready {
                    break;
                }
            }
            if !ready {
                aside.insert(p.entry);
                changed = true;
            }
        }
        if !changed {
            return Ok(aside);
        }
    }
}

/// One transaction over the entries `group` of the file. When streaming (`wait`), entries
/// whose references are not written yet are left out and their positions put in the set.
///
/// With `cut` (issue #17: no writer holds the lock longer than 250 ms), the group is closed
/// once it has held the write lock `cut.0` (checked after each entry): what is written
/// commits, and the positions not reached are put in `cut.1`, for the caller to write in its
/// next group (each entry is written whole or not at all; an entry is never cut in two).
/// The deficiency analysis queued for the group's end counts against the cut
/// ([`Writer::group_full`]).
///
/// Grouped (with `cut`), each entry is all-or-nothing on its own (a SAVEPOINT each, see
/// [`one`]): an entry that fails is rolled back alone and listed by file, entry and field; the
/// others commit, and entries that refer to it fail in turn ("was not imported"). Without
/// `cut` (a transaction Bundle, a small file) the first failure rolls back everything.
#[allow(clippy::too_many_arguments)]
fn write_group(
    store: &mut Store,
    actor: &Actor,
    file: &str,
    bundle: &Bundle,
    group: &[&ParsedResource],
    st: &mut State,
    wait: Option<(&Wait<'_>, &mut HashSet<usize>)>,
    cut: Option<(Duration, &mut Vec<usize>)>,
) -> Result<FileStats, FileFail> {
    let (cut, left) = match cut {
        Some((d, left)) => (Some(d), Some(left)),
        None => (None, None),
    };
    let each = cut.is_some();
    in_file_tx(store, actor, file, |w| {
        // The write lock is held from here (`BEGIN IMMEDIATE` has just returned).
        let held = Instant::now();
        let mut done: HashSet<usize> = HashSet::new();
        let over = |w: &Writer<'_, '_>, done: &HashSet<usize>| {
            cut.is_some_and(|c| !done.is_empty() && w.group_full(held.elapsed(), c))
        };
        let mut stop = false;
        let kept: Vec<&ParsedResource>;
        let group = match wait {
            None => group,
            Some((wait, aside)) => {
                let st_ro: &State = st;
                *aside = set_aside(
                    bundle,
                    group,
                    wait,
                    &|i| st_ro.id(i).is_some(),
                    &mut |r, want| bundle.in_db(w, r, want),
                )?;
                kept = group
                    .iter()
                    .copied()
                    .filter(|p| !aside.contains(&p.entry))
                    .collect();
                &kept[..]
            }
        };
        let in_group: HashSet<usize> = group.iter().map(|p| p.entry).collect();
        for (pass, want) in ["Organization", "Practitioner", "Patient"]
            .iter()
            .enumerate()
        {
            for (i, p) in group
                .iter()
                .map(|&p| (p.entry, p))
                .filter(|(_, p)| p.resource_type == *want)
            {
                if stop || over(w, &done) {
                    stop = true;
                    break;
                }
                done.insert(i);
                let kept = one(w, each, |w| {
                    let origin = Origin {
                        at: &p.at(),
                        source_key: &p.source_key(),
                    };
                    let id = match (&p.data, pass) {
                        (Resource::Organization(o), _) => {
                            let found = w.find(
                                "organizations",
                                "source_key",
                                origin.source_key,
                                origin.at,
                            )?;
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
                            st.remember_mrn(id, mrn);
                            id
                        }
                        _ => return Ok(()),
                    };
                    st.set_id(i, id);
                    Ok(())
                })?;
                if !kept {
                    st.forget(i);
                    st.mrn.clear();
                }
            }
        }
        // Claims: total charges per encounter (all claims that name it, summed).
        // Grouped, a claim whose encounter does not resolve is listed on its own.
        let mut charges: HashMap<Target, i64> = HashMap::new();
        let mut claims_of: HashMap<Target, Vec<String>> = HashMap::new();
        for p in group.iter().copied().filter(|_| !stop) {
            if let Resource::Claim(c) = &p.data
                && let Some(cents) = c.total_cents
            {
                let mut targets = Vec::new();
                for (k, e) in c.encounters.iter().enumerate() {
                    let field = format!("item.encounter[{k}]");
                    match bundle.resolve(w, e, "Encounter", p, &field) {
                        Ok(t) => targets.push((t, field)),
                        Err(FileFail::Rejected(e)) if each => {
                            w.stats.rejects.push(e);
                            targets.clear();
                            done.insert(p.entry);
                            break;
                        }
                        Err(f) => return Err(f),
                    }
                }
                for (t, field) in targets {
                    *charges.entry(t).or_default() += cents;
                    claims_of
                        .entry(t)
                        .or_default()
                        .push(format!("{}, {field}", p.at()));
                }
            }
        }
        for (i, p) in group.iter().map(|&p| (p.entry, p)) {
            let Resource::Encounter(d) = &p.data else {
                continue;
            };
            if stop || over(w, &done) {
                stop = true;
                break;
            }
            done.insert(i);
            let kept = one(w, each, |w| {
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
                st.set_id(i, id);
                if old_discharge.is_none() && d.discharge_at.is_some() {
                    w.discharged(id, &at)?;
                }
                Ok(())
            })?;
            if !kept {
                st.forget(i);
                st.mrn.clear();
                // Its claims' total had nowhere to go: they are listed too.
                for at in claims_of.get(&Target::Bundle(i)).into_iter().flatten() {
                    w.stats.rejects.push(ImportError::new(
                        file,
                        at.clone(),
                        format!("its encounter (entry {i}) was not imported, so the claim total was not written"),
                    ));
                }
            }
        }
        // Claims for encounters imported earlier (not in this bundle, or in an earlier group).
        for (t, cents) in charges.iter().filter(|_| !stop) {
            let id = match t {
                Target::Db(id) => Some(*id),
                Target::Bundle(i) if !in_group.contains(i) => st.id(*i),
                Target::Bundle(_) => None,
            };
            if let Some(id) = &id {
                one(w, each, |w| {
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
                    Ok(())
                })?;
            }
        }
        // Every claim of the group is applied now (its totals are summed over the group's
        // claims, so they are never split between groups).
        if !stop {
            for p in group
                .iter()
                .filter(|p| matches!(p.data, Resource::Claim(_)))
            {
                done.insert(p.entry);
            }
        }
        // A document that replaces another of this group waits until its targets are written
        // (it is then written with their superseding, all-or-nothing), so the order of entries
        // does not matter; such documents go after the others.
        let waits = |p: &ParsedResource, done: &HashSet<usize>| match &p.data {
            Resource::Document(d) => d.replaces.iter().any(|t| {
                bundle
                    .position(t)
                    .is_some_and(|j| j != p.entry && in_group.contains(&j) && !done.contains(&j))
            }),
            _ => false,
        };
        let mut deferred: Vec<&ParsedResource> = Vec::new();
        let mut todo: Vec<&ParsedResource> = group.to_vec();
        loop {
            for p in todo {
                let i = p.entry;
                if stop || done.contains(&i) {
                    continue;
                }
                if waits(p, &done) {
                    deferred.push(p);
                    continue;
                }
                if over(w, &done) {
                    stop = true;
                    continue;
                }
                done.insert(i);
                if !one(w, each, |w| write_other(w, bundle, st, p))? {
                    st.forget(i);
                    st.mrn.clear();
                }
            }
            if stop || deferred.is_empty() {
                break;
            }
            // Those whose targets are now written go next; a cycle (malformed) goes as is.
            let ready: Vec<&ParsedResource> = deferred
                .iter()
                .copied()
                .filter(|p| !waits(p, &done))
                .collect();
            todo = if ready.is_empty() {
                let all = std::mem::take(&mut deferred);
                for p in &all {
                    done.insert(p.entry);
                    if !one(w, each, |w| write_other(w, bundle, st, p))? {
                        st.forget(p.entry);
                    }
                }
                Vec::new()
            } else {
                deferred.retain(|p| waits(p, &done));
                ready
            };
        }
        if stop && let Some(left) = left {
            left.clear();
            left.extend(group.iter().map(|p| p.entry).filter(|i| !done.contains(i)));
        }
        Ok(())
    })
}

/// One clinical fact, document or order entry (written after the patients and encounters it
/// names). A document that replaces others supersedes them here, in the same entry.
fn write_other(
    w: &mut Writer<'_, '_>,
    bundle: &Bundle,
    st: &mut State,
    p: &ParsedResource,
) -> Result<(), FileFail> {
    let i = p.entry;
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
            let encounter =
                bundle.db_id(w, &d.encounter, "Encounter", st, p, "context.encounter[0]")?;
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
            st.set_id(i, doc_id);
            supersede(w, bundle, st, p, &d.replaces, &origin)?;
        }
        Resource::Order(d) => {
            let encounter = bundle.db_id(w, &d.encounter, "Encounter", st, p, "encounter")?;
            let patient = bundle.patient(w, &d.subject, st, p, "subject")?;
            let mrn = st.mrn_of(w, patient, &at)?;
            // requester/performer may be a Practitioner (kept) or an Organization,
            // PractitionerRole or CareTeam (not a provider: left empty).
            let mut who = |w: &mut Writer<'_, '_>, r: &Option<String>, field: &str| match r {
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
    Ok(())
}

/// relatesTo replaces: the older versions are superseded, never chased.
fn supersede(
    w: &mut Writer<'_, '_>,
    bundle: &Bundle,
    st: &State,
    p: &ParsedResource,
    replaces: &[String],
    origin: &Origin<'_>,
) -> Result<(), FileFail> {
    let at = origin.at;
    for (k, target) in replaces.iter().enumerate() {
        let field = format!("relatesTo[{k}].target");
        let old = bundle.db_id(w, target, "DocumentReference", st, p, &field)?;
        let old_enc = w
            .text("documents", "CAST(encounter_id AS TEXT)", old, at)?
            .and_then(|e| e.parse::<i64>().ok());
        let mrn = match old_enc {
            Some(e) => w.text(
                "encounters",
                "(SELECT mrn FROM patients WHERE id = encounters.patient_id)",
                e,
                at,
            )?,
            None => None,
        };
        w.upsert(
            "documents",
            "document",
            Some(old),
            &[("superseded", int(Some(1)))],
            origin,
            mrn.as_deref(),
            old_enc,
        )?;
    }
    Ok(())
}

/// Run one entry. Grouped (`each`), inside its own SAVEPOINT: an entry that fails is rolled
/// back alone (rows, counts, audit events) and listed by file, entry and field, and the group
/// goes on; answers whether it was kept. Otherwise (an atomic Bundle) a failure fails all.
fn one<'t, 'c>(
    w: &mut Writer<'t, 'c>,
    each: bool,
    f: impl FnOnce(&mut Writer<'t, 'c>) -> Result<(), FileFail>,
) -> Result<bool, FileFail> {
    if !each {
        f(w)?;
        return Ok(true);
    }
    let mark = w.mark()?;
    match f(w) {
        Ok(()) => {
            w.keep()?;
            Ok(true)
        }
        Err(FileFail::Rejected(e)) => {
            w.undo(mark)?;
            w.stats.rejects.push(e);
            Ok(false)
        }
        Err(fatal) => Err(fatal),
    }
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
    /// Database id of each bundle position written so far (in the spill store once the file
    /// spills).
    ids: HashMap<usize, i64>,
    /// A cache of patients' MRNs, emptied when it reaches [`MRN_CACHE`].
    mrn: HashMap<i64, String>,
    skipped_types: std::collections::BTreeMap<String, usize>,
    spill: Option<Rc<Spill>>,
}

const MRN_CACHE: usize = 4096;

impl State {
    fn id(&self, pos: usize) -> Option<i64> {
        match &self.spill {
            Some(s) => s.id(pos),
            None => self.ids.get(&pos).copied(),
        }
    }

    fn set_id(&mut self, pos: usize, id: i64) {
        match &self.spill {
            Some(s) => s.set_id(pos, Some(id)),
            None => {
                self.ids.insert(pos, id);
            }
        }
    }

    fn forget(&mut self, pos: usize) {
        match &self.spill {
            Some(s) => s.set_id(pos, None),
            None => {
                self.ids.remove(&pos);
            }
        }
    }

    fn remember_mrn(&mut self, patient: i64, mrn: String) {
        if self.mrn.len() >= MRN_CACHE {
            self.mrn.clear();
        }
        self.mrn.insert(patient, mrn);
    }

    fn mrn_of(&mut self, w: &Writer<'_, '_>, patient: i64, at: &str) -> Result<String, FileFail> {
        if let Some(m) = self.mrn.get(&patient) {
            return Ok(m.clone());
        }
        let m = w.text("patients", "mrn", patient, at)?.unwrap_or_default();
        self.remember_mrn(patient, m.clone());
        Ok(m)
    }

    fn count_skipped(&mut self, p: &ParsedResource) {
        if matches!(p.data, Resource::Other) {
            *self
                .skipped_types
                .entry(p.resource_type.clone())
                .or_default() += 1;
        }
    }

    /// The skipped (not imported) resources, counted and explained.
    fn skipped_stats(&self) -> FileStats {
        let mut s = FileStats::default();
        for (t, n) in &self.skipped_types {
            s.skipped += n;
            s.notes
                .push(format!("skipped {n} {t} resource(s): not imported"));
        }
        s
    }
}

/// The file's reference index: `fullUrl` and `Type/id` → entry position, and each position's
/// resource type (interned). It holds no resource, so it stays small for a large file.
#[derive(Default)]
struct Bundle {
    index: HashMap<Box<str>, usize>,
    typed: HashMap<Box<str>, usize>,
    types: Vec<u16>,
    names: Vec<String>,
    /// Once the file spills, the index is in the spill store (the maps above are empty).
    spill: Option<Rc<Spill>>,
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

impl Bundle {
    fn add(&mut self, p: &ParsedResource) {
        let t = match self.names.iter().position(|n| *n == p.resource_type) {
            Some(t) => t,
            None => {
                self.names.push(p.resource_type.clone());
                self.names.len() - 1
            }
        };
        let typed = format!("{}/{}", p.resource_type, p.id);
        if let Some(s) = &self.spill {
            if let Some(u) = &p.full_url {
                s.put_ref(fhir_spill::FULL_URL, u, p.entry);
            }
            s.put_ref(fhir_spill::TYPED, &typed, p.entry);
            s.put_type(p.entry, u16::try_from(t).unwrap_or(u16::MAX));
            return;
        }
        if let Some(u) = &p.full_url {
            self.index.insert(u.as_str().into(), p.entry);
        }
        self.typed.insert(typed.into(), p.entry);
        if self.types.len() <= p.entry {
            self.types.resize(p.entry + 1, u16::MAX);
        }
        self.types[p.entry] = u16::try_from(t).unwrap_or(u16::MAX);
    }

    /// Move the index into the spill store (memory then holds only the type names).
    fn spill_to(&mut self, s: Rc<Spill>) {
        for (k, &pos) in &self.index {
            s.put_ref(fhir_spill::FULL_URL, k, pos);
        }
        for (k, &pos) in &self.typed {
            s.put_ref(fhir_spill::TYPED, k, pos);
        }
        for (pos, &t) in self.types.iter().enumerate() {
            if t != u16::MAX {
                s.put_type(pos, t);
            }
        }
        self.index = HashMap::new();
        self.typed = HashMap::new();
        self.types = Vec::new();
        self.spill = Some(s);
    }

    fn type_of(&self, pos: usize) -> &str {
        let t = match &self.spill {
            Some(s) => s.get_type(pos),
            None => self.types.get(pos).copied(),
        };
        t.and_then(|t| self.names.get(usize::from(t)))
            .map_or("(unknown)", String::as_str)
    }

    fn full_url(&self, reference: &str) -> Option<usize> {
        match &self.spill {
            Some(s) => s.get_ref(fhir_spill::FULL_URL, reference),
            None => self.index.get(reference).copied(),
        }
    }

    /// The position of the entry a reference points to (`fullUrl`, else `Type/id`).
    fn position(&self, reference: &str) -> Option<usize> {
        self.full_url(reference).or_else(|| {
            let mut parts = reference.rsplit('/');
            let id = parts.next()?;
            let ty = parts.next()?;
            let key = format!("{ty}/{id}");
            match &self.spill {
                Some(s) => s.get_ref(fhir_spill::TYPED, &key),
                None => self.typed.get(key.as_str()).copied(),
            }
        })
    }

    /// Whether a `Type/id` reference names a row already imported.
    fn in_db(&self, w: &Writer<'_, '_>, reference: &str, want: &str) -> Result<bool, FileFail> {
        let Some(rest) = reference.strip_prefix(&format!("{want}/")) else {
            return Ok(false);
        };
        let key = format!("fhir:{want}/{rest}");
        Ok(w.find(table_of(want), "source_key", &key, reference)?
            .is_some())
    }

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
        if let Some(i) = self.position(reference) {
            let ty = self.type_of(i);
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
            Target::Bundle(i) => st.id(i).ok_or_else(|| {
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
        let i = self.full_url(reference)?;
        Some(self.type_of(i))
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
