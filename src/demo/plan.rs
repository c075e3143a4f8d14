//! Planning one patient at a time: demographics, then a chronological series of encounters
//! (kind, reason, times, disposition), each with its documents and the HIM and coding status
//! that follow from how complete those documents are.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::clinical::{ED, IP, NEWBORN, OBS, OP, REASONS, Reason, Spec};
use super::names::{CITIES, FAMILY, GIVEN_ANY, GIVEN_FEMALE, GIVEN_MALE, STREET_SUFFIXES, STREETS};
use super::rng::Rng;
use super::roster::Roster;
use crate::domain::{CodingStatus, EncounterKind, HimStatus};

pub(crate) use super::docs::{DocPlan, Template};

/// Admissions fall within this many days before `today`.
pub(crate) const WINDOW_DAYS: i64 = 120;

pub(crate) struct PatientPlan {
    pub family: &'static str,
    pub given: &'static str,
    pub birth: NaiveDate,
    pub sex: &'static str,
    pub address: String,
    pub deceased_at: Option<NaiveDateTime>,
    pub encounters: Vec<EncounterPlan>,
}

pub(crate) struct EncounterPlan {
    pub kind: EncounterKind,
    pub service: &'static str,
    pub admit_at: NaiveDateTime,
    pub discharge_at: Option<NaiveDateTime>,
    pub attending: usize,
    pub disposition: Option<&'static str>,
    pub reason: &'static Reason,
    pub him: HimStatus,
    pub coding: CodingStatus,
    pub analyzed_at: Option<NaiveDateTime>,
    pub coded_at: Option<NaiveDateTime>,
    pub final_billed_at: Option<NaiveDateTime>,
    pub charges_cents: Option<i64>,
    pub docs: Vec<DocPlan>,
}

/// Everything the planner holds fixed for a data set.
pub(crate) struct Planner<'a> {
    pub today: NaiveDate,
    /// The reference instant: `today` at 06:00 facility time. Nothing happens after it.
    pub now: NaiveDateTime,
    pub roster: &'a Roster,
}

pub(crate) fn at(day: NaiveDate, h: i64, m: i64) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) + Duration::minutes(h * 60 + m)
}

pub(crate) fn mins(n: i64) -> Duration {
    Duration::minutes(n)
}

/// (whole years, whole months) of age on `on`.
pub(crate) fn age_on(birth: NaiveDate, on: NaiveDate) -> (i64, i64) {
    let mut months =
        (on.year() as i64 - birth.year() as i64) * 12 + on.month() as i64 - birth.month() as i64;
    if on.day() < birth.day() {
        months -= 1;
    }
    let months = months.max(0);
    (months / 12, months)
}

/// Documents are most often incomplete shortly after discharge; older charts have mostly
/// been completed.
fn defect_factor(days_since_discharge: i64) -> f64 {
    match days_since_discharge {
        ..=21 => 1.0,
        22..=45 => 0.7,
        _ => 0.45,
    }
}

impl Planner<'_> {
    pub(crate) fn patient(&self, rng: &mut Rng, max_encounters: usize) -> PatientPlan {
        let group = rng.weighted(&[3, 12, 30, 27, 28]);
        let birth = match group {
            0 => self.today - Duration::days(rng.range(2, WINDOW_DAYS - 5)),
            _ => {
                let (lo, hi) = [(0, 0), (1, 17), (18, 44), (45, 64), (65, 95)][group];
                let years = rng.range(lo, hi);
                self.today - Duration::days(years * 365 + years / 4 + rng.range(0, 364))
            }
        };
        let sex = match rng.weighted(&[505, 490, 5]) {
            0 => "F",
            1 => "M",
            _ => "U",
        };
        let given = match sex {
            "F" if rng.chance(0.97) => *rng.pick(GIVEN_FEMALE),
            "M" if rng.chance(0.97) => *rng.pick(GIVEN_MALE),
            _ => *rng.pick(GIVEN_ANY),
        };
        let (city, zip3) = *rng.pick(CITIES);
        let address = format!(
            "{} {} {}, {city}, OH {zip3}{:02}",
            rng.range(10, 9899),
            rng.pick(STREETS),
            rng.pick(STREET_SUFFIXES),
            rng.range(1, 99)
        );
        let family = *rng.pick(FAMILY);
        let mut plan = PatientPlan {
            family,
            given,
            birth,
            sex,
            address,
            deceased_at: None,
            encounters: Vec::new(),
        };
        // About three encounters per patient on average (1 + geometric, capped).
        let mut k = 1;
        while k < 12 && rng.chance(0.68) {
            k += 1;
        }
        let k = k.min(max_encounters.max(1));
        let mut days: Vec<i64> = (0..k).map(|_| rng.range(1, WINDOW_DAYS)).collect();
        days.sort_unstable_by(|a, b| b.cmp(a));
        let newborn = group == 0;
        let mut free_from = self.today - Duration::days(WINDOW_DAYS);
        for (j, ago) in days.into_iter().enumerate() {
            let mut day = (self.today - Duration::days(ago)).max(free_from).max(birth);
            if newborn && j == 0 {
                day = birth;
            }
            if day >= self.today {
                break;
            }
            let enc = self.encounter(rng, &plan, day, newborn && j == 0);
            let end = enc.discharge_at;
            if enc.disposition == Some("20") {
                plan.deceased_at = end;
            }
            plan.encounters.push(enc);
            match end {
                Some(end) if plan.deceased_at.is_none() => {
                    free_from = end.date() + Duration::days(1)
                }
                _ => break,
            }
        }
        plan
    }

    fn pick_reason(&self, rng: &mut Rng, p: &PatientPlan, day: NaiveDate) -> (u8, &'static Reason) {
        let (age, _) = age_on(p.birth, day);
        let first = [IP, ED, OP, OBS][rng.weighted(&[35, 25, 30, 10])];
        for kind in [first, OP] {
            let fits: Vec<&'static Reason> = REASONS
                .iter()
                .filter(|r| {
                    r.kinds & kind != 0
                        && (r.ages.0..=r.ages.1).contains(&age)
                        && r.sex.is_none_or(|s| p.sex.starts_with(s))
                })
                .collect();
            if !fits.is_empty() {
                let weights: Vec<u32> = fits.iter().map(|r| r.weight).collect();
                return (kind, fits[rng.weighted(&weights)]);
            }
        }
        (OP, &REASONS[0])
    }

    fn encounter(
        &self,
        rng: &mut Rng,
        p: &PatientPlan,
        day: NaiveDate,
        birth: bool,
    ) -> EncounterPlan {
        let (kind_bit, reason) = if birth {
            (IP, &NEWBORN)
        } else {
            self.pick_reason(rng, p, day)
        };
        let kind = match kind_bit {
            IP => EncounterKind::Inpatient,
            ED => EncounterKind::Emergency,
            OBS => EncounterKind::Observation,
            _ => EncounterKind::Outpatient,
        };
        let elective = reason.proc.is_some_and(|pr| pr.elective);
        let admit_at = match kind {
            _ if birth => at(day, rng.range(0, 23), rng.range(0, 59)),
            EncounterKind::Inpatient if elective => at(day, rng.range(5, 6), rng.range(0, 59)),
            EncounterKind::Outpatient => at(day, rng.range(8, 15), rng.range(0, 3) * 15),
            EncounterKind::Emergency => at(day, rng.range(6, 21), rng.range(0, 59)),
            _ => at(
                day,
                *rng.pick(&[0, 2, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]),
                rng.range(0, 59),
            ),
        };
        let discharge = match kind {
            EncounterKind::Inpatient => {
                let los = rng.range(reason.los.0, reason.los.1).clamp(1, 10);
                let d = at(
                    day + Duration::days(los),
                    rng.range(10, 16),
                    rng.range(0, 59),
                );
                // Leave room for surgery (and its report) before a short surgical stay ends.
                if reason.proc.is_some() && d < admit_at + Duration::hours(30) {
                    d + Duration::days(1)
                } else {
                    d
                }
            }
            EncounterKind::Observation => admit_at + mins(rng.range(8 * 60, 47 * 60)),
            EncounterKind::Emergency => {
                let latest = at(day, 23, rng.range(20, 58));
                (admit_at + mins(rng.range(90, 420))).min(latest)
            }
            EncounterKind::Outpatient => admit_at + mins(rng.range(40, 150)),
        };
        let in_house = discharge > self.now;
        let service = if kind == EncounterKind::Emergency {
            Spec::Emergency.service()
        } else {
            reason.spec.service()
        };
        let attending_spec = if kind == EncounterKind::Emergency {
            Spec::Emergency
        } else {
            reason.spec
        };
        let attending = self.roster.attending(rng, attending_spec);
        let (age, _) = age_on(p.birth, day);
        let disposition = if in_house {
            None
        } else {
            Some(disposition(rng, kind, age, elective || birth))
        };
        let discharge_at = (!in_house).then_some(discharge);
        let since = discharge_at
            .map(|d| (self.today - d.date()).num_days())
            .unwrap_or(0);
        let f = defect_factor(since);
        let mut enc = EncounterPlan {
            kind,
            service,
            admit_at,
            discharge_at,
            attending,
            disposition,
            reason,
            him: HimStatus::Open,
            coding: CodingStatus::NotReady,
            analyzed_at: None,
            coded_at: None,
            final_billed_at: None,
            charges_cents: None,
            docs: Vec::new(),
        };
        let work_left = self.documents(rng, &mut enc, reason, attending_spec, discharge, f);
        self.statuses(rng, &mut enc, since, work_left, reason);
        enc
    }

    /// HIM and coding status (DOMAIN §1): coded only once documentation is complete.
    fn statuses(
        &self,
        rng: &mut Rng,
        e: &mut EncounterPlan,
        since: i64,
        work_left: bool,
        r: &Reason,
    ) {
        let Some(discharge) = e.discharge_at else {
            return;
        };
        e.charges_cents = Some(match e.kind {
            EncounterKind::Inpatient if r.proc.is_some() => rng.range(2_400_000, 9_500_000),
            EncounterKind::Inpatient => rng.range(800_000, 4_800_000),
            EncounterKind::Observation => rng.range(250_000, 1_200_000),
            EncounterKind::Emergency => rng.range(45_000, 520_000),
            EncounterKind::Outpatient if r.proc.is_some() => rng.range(90_000, 420_000),
            EncounterKind::Outpatient => rng.range(12_000, 45_000),
        });
        if since <= 2 {
            e.him = HimStatus::AwaitingAnalysis;
            return;
        }
        let analyzed = at(
            discharge.date() + Duration::days(rng.range(1, 2)),
            rng.range(8, 15),
            rng.range(0, 59),
        );
        e.analyzed_at = Some(analyzed);
        if work_left {
            e.him = HimStatus::Incomplete;
            // "In progress" is a coder's live claim, which a data set cannot hold: such
            // charts are ready (the draw stays, so the rest of the data set is unchanged).
            e.coding = [
                CodingStatus::Ready,
                CodingStatus::Ready,
                CodingStatus::OnHoldQuery,
            ][rng.weighted(&[75, 10, 15])];
            return;
        }
        e.him = HimStatus::DocComplete;
        // Coders and billers work business hours.
        let coded = at(
            analyzed.date() + Duration::days(rng.range(0, 4)),
            rng.range(9, 16),
            rng.range(0, 59),
        )
        .max(analyzed + mins(30));
        if since <= 5 || coded > self.now || rng.chance(0.08) {
            // The draw stays (see above); no chart is left "in progress" without a claim.
            let _ = rng.chance(0.6);
            e.coding = CodingStatus::Ready;
            return;
        }
        e.coding = CodingStatus::Coded;
        e.coded_at = Some(coded);
        let billed = at(
            coded.date() + Duration::days(rng.range(1, 5)),
            rng.range(8, 16),
            rng.range(0, 59),
        );
        let p_billed = ((since - 5) as f64 / 20.0).min(0.9);
        if billed < self.now && rng.chance(p_billed) {
            e.coding = CodingStatus::FinalBilled;
            e.final_billed_at = Some(billed);
        }
    }
}

/// UB-04 patient discharge status (FL 17).
fn disposition(rng: &mut Rng, kind: EncounterKind, age: i64, planned: bool) -> &'static str {
    match kind {
        EncounterKind::Inpatient => {
            let old = age >= 75;
            let expired = if planned {
                0
            } else if age >= 65 {
                15
            } else {
                3
            };
            let codes = ["01", "06", "03", "62", "02", "07", "50", "20"];
            let weights = [
                if old { 480 } else { 760 },
                150,
                if old { 220 } else { 30 },
                30,
                20,
                15,
                if old { 20 } else { 4 },
                expired,
            ];
            codes[rng.weighted(&weights)]
        }
        EncounterKind::Observation => ["01", "06", "07", "02"][rng.weighted(&[88, 5, 4, 3])],
        EncounterKind::Emergency => ["01", "07", "02"][rng.weighted(&[93, 4, 3])],
        EncounterKind::Outpatient => "01",
    }
}

/// Plain-language meaning of a UB-04 discharge status, for discharge summaries and ED notes.
pub(crate) fn disposition_text(code: &str) -> &'static str {
    match code {
        "01" => "Discharged home or self care",
        "02" => "Transferred to a short-term general hospital",
        "03" => "Discharged to a skilled nursing facility",
        "06" => "Discharged home with home health services",
        "07" => "Left against medical advice",
        "20" => "Expired",
        "50" => "Discharged to hospice at home",
        "62" => "Transferred to an inpatient rehabilitation facility",
        _ => "Discharged",
    }
}
