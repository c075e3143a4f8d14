//! Planning an encounter's documents: which are expected for its kind, who wrote them, when,
//! and how far each got through dictation, transcription, signature and cosignature. Some
//! expected documents are left out and some stay unsigned, so the data set has work to do.

use chrono::{Duration, NaiveDateTime};

use super::clinical::{Reason, Spec, VisitNote};
use super::plan::{EncounterPlan, Planner, at, mins};
use super::rng::Rng;
use crate::domain::{DocStatus, EncounterKind};

/// Probability that an expected document is missing, before the age factor.
const MISS_HP: f64 = 0.12;
const MISS_DS: f64 = 0.22;
const MISS_OP: f64 = 0.2;
const MISS_CONSENT: f64 = 0.12;
const MISS_VISIT_NOTE: f64 = 0.1;
const MISS_PROGRESS: f64 = 0.06;
/// Probability that a present document is still unsigned, before the age factor.
const UNSIGNED: f64 = 0.25;
/// Probability that a signed note by a resident, NP or PA still awaits its cosignature.
const COSIGN_PENDING: f64 = 0.5;

pub(crate) struct DocPlan {
    pub doc_type: &'static str,
    pub title: String,
    pub author: usize,
    pub cosigner: Option<usize>,
    pub status: DocStatus,
    pub service_at: NaiveDateTime,
    pub dictated_at: Option<NaiveDateTime>,
    pub transcribed_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub cosigned_at: Option<NaiveDateTime>,
    pub sensitivity: &'static str,
    /// Filled in by the note writer (see `super::write_bodies`).
    pub body: String,
    /// What the note writer needs: which template, and the procedure day for progress notes.
    pub template: Template,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Template {
    Hp,
    HpUpdate,
    Progress(i64),
    Discharge,
    Operative,
    Consent,
    Consult,
    Ed,
    Clinic,
    Procedure,
}

impl Planner<'_> {
    /// Plan the encounter's documents; returns whether any is missing, unsigned or awaiting
    /// cosignature (the chart has deficiencies).
    pub(crate) fn documents(
        &self,
        rng: &mut Rng,
        e: &mut EncounterPlan,
        r: &'static Reason,
        spec: Spec,
        discharge: NaiveDateTime,
        f: f64,
    ) -> bool {
        let mut b = DocBuilder {
            planner: self,
            f,
            attending: e.attending,
            spec,
            sens: r.sens,
            docs: Vec::new(),
            work_left: false,
        };
        let admit = e.admit_at;
        // Documents written after the reference instant do not exist yet.
        let end = if e.discharge_at.is_some() {
            discharge
        } else {
            self.now
        };
        match e.kind {
            EncounterKind::Inpatient => {
                let proc_start = r.proc.map(|p| {
                    let start = if p.elective {
                        admit + mins(rng.range(90, 150))
                    } else {
                        admit + mins(rng.range(180, 20 * 60))
                    };
                    (p, start, start + mins(rng.range(p.minutes.0, p.minutes.1)))
                });
                let hp_at = match proc_start {
                    Some((p, _, _)) if p.elective => {
                        admit - Duration::days(rng.range(3, 14)) + mins(rng.range(0, 8 * 60))
                    }
                    Some((_, start, _)) => {
                        admit + mins(rng.range(30, ((start - admit).num_minutes() - 30).max(31)))
                    }
                    None if rng.chance(0.04) => {
                        (admit + mins(rng.range(25 * 60, 40 * 60))).min(discharge - mins(60))
                    }
                    None => (admit + mins(rng.range(45, 18 * 60))).min(discharge - mins(60)),
                };
                b.add(
                    "34117-2",
                    "History and physical".into(),
                    Template::Hp,
                    hp_at,
                    0.3,
                    0.5,
                    MISS_HP,
                    end,
                    rng,
                );
                if let Some((p, start, stop)) = proc_start {
                    if p.elective {
                        b.add(
                            "11506-3",
                            "H&P update note".into(),
                            Template::HpUpdate,
                            admit + mins(rng.range(20, 60)),
                            0.2,
                            0.0,
                            MISS_PROGRESS,
                            end,
                            rng,
                        );
                    }
                    b.add(
                        "59284-0",
                        format!("Consent: {}", p.name),
                        Template::Consent,
                        start - mins(rng.range(45, 120)),
                        0.0,
                        0.0,
                        MISS_CONSENT,
                        end,
                        rng,
                    );
                    let late = rng.chance(0.04);
                    b.add(
                        "11504-8",
                        format!("Operative report: {}", p.name),
                        Template::Operative,
                        stop + mins(rng.range(5, 60)),
                        0.0,
                        if late { 2.0 } else { 0.6 },
                        MISS_OP,
                        end,
                        rng,
                    );
                }
                if let Some((cspec, label)) = r.consult {
                    let consultant = self.roster.other_attending(rng, cspec, e.attending);
                    let when = (admit + mins(rng.range(4 * 60, 30 * 60))).min(discharge - mins(60));
                    b.add_by(
                        consultant,
                        None,
                        "11488-4",
                        format!("Consultation: {}", cspec.specialty()),
                        Template::Consult,
                        when,
                        MISS_VISIT_NOTE,
                        end,
                        label,
                        rng,
                    );
                }
                let days = (discharge.date() - admit.date()).num_days();
                let notes = rng.range(1, 4).min(days.max(1));
                for d in 1..=notes {
                    let when = at(
                        admit.date() + Duration::days(d),
                        rng.range(7, 9),
                        rng.range(0, 29),
                    );
                    b.add(
                        "11506-3",
                        format!("Progress note - hospital day {}", d + 1),
                        Template::Progress(d + 1),
                        when,
                        0.4,
                        0.0,
                        MISS_PROGRESS,
                        end,
                        rng,
                    );
                }
                if e.discharge_at.is_some() {
                    let when = (discharge - mins(rng.range(0, 90))).max(admit + mins(30));
                    b.add(
                        "18842-5",
                        "Discharge summary".into(),
                        Template::Discharge,
                        when,
                        0.2,
                        0.5,
                        MISS_DS,
                        end,
                        rng,
                    );
                }
            }
            EncounterKind::Observation => {
                b.add(
                    "34117-2",
                    "History and physical".into(),
                    Template::Hp,
                    admit + mins(rng.range(30, 6 * 60)),
                    0.3,
                    0.3,
                    MISS_HP,
                    end,
                    rng,
                );
                let next_morning = at(
                    admit.date() + Duration::days(1),
                    rng.range(7, 9),
                    rng.range(0, 29),
                );
                let when = if next_morning < discharge {
                    next_morning
                } else {
                    admit + mins(rng.range(6 * 60, 7 * 60))
                };
                b.add(
                    "11506-3",
                    "Progress note - observation".into(),
                    Template::Progress(2),
                    when,
                    0.4,
                    0.0,
                    MISS_PROGRESS,
                    end,
                    rng,
                );
            }
            EncounterKind::Emergency => {
                b.add(
                    "34111-5",
                    "Emergency department note".into(),
                    Template::Ed,
                    admit + mins(rng.range(15, 60)),
                    0.35,
                    0.0,
                    MISS_VISIT_NOTE,
                    end,
                    rng,
                );
            }
            EncounterKind::Outpatient => match r.proc {
                Some(p) => {
                    b.add(
                        "59284-0",
                        format!("Consent: {}", p.name),
                        Template::Consent,
                        admit + mins(rng.range(5, 15)),
                        0.0,
                        0.0,
                        MISS_CONSENT,
                        end,
                        rng,
                    );
                    b.add(
                        "28570-0",
                        format!("Procedure note: {}", p.name),
                        Template::Procedure,
                        admit + mins(rng.range(25, 35)),
                        0.0,
                        0.0,
                        MISS_VISIT_NOTE,
                        end,
                        rng,
                    );
                }
                None if r.note == VisitNote::Consult => {
                    b.add(
                        "11488-4",
                        format!("Consultation: {}", r.spec.specialty()),
                        Template::Consult,
                        admit + mins(rng.range(20, 35)),
                        0.1,
                        0.0,
                        MISS_VISIT_NOTE,
                        end,
                        rng,
                    );
                }
                None => {
                    b.add(
                        "11506-3",
                        format!("Clinic note: {}", r.spec.service()),
                        Template::Clinic,
                        admit + mins(rng.range(20, 35)),
                        0.25,
                        0.0,
                        MISS_VISIT_NOTE,
                        end,
                        rng,
                    );
                }
            },
        }
        e.docs = b.docs;
        b.work_left
    }
}

struct DocBuilder<'p> {
    planner: &'p Planner<'p>,
    f: f64,
    attending: usize,
    spec: Spec,
    sens: &'static str,
    docs: Vec<DocPlan>,
    work_left: bool,
}

impl DocBuilder<'_> {
    /// A document by the attending, or (with probability `trainee_p`) by a resident/NP/PA of
    /// the service. `dictate_p` > 1 marks a late dictation (op report past 24 h).
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        doc_type: &'static str,
        title: String,
        template: Template,
        at: NaiveDateTime,
        trainee_p: f64,
        dictate_p: f64,
        miss_p: f64,
        end: NaiveDateTime,
        rng: &mut Rng,
    ) {
        let (author, cosigner) =
            self.planner
                .roster
                .author(rng, self.spec, self.attending, trainee_p);
        self.push(
            author, cosigner, doc_type, title, template, at, dictate_p, miss_p, end, self.sens, rng,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn add_by(
        &mut self,
        author: usize,
        cosigner: Option<usize>,
        doc_type: &'static str,
        title: String,
        template: Template,
        at: NaiveDateTime,
        miss_p: f64,
        end: NaiveDateTime,
        label: &'static str,
        rng: &mut Rng,
    ) {
        let sens = if label.is_empty() { self.sens } else { label };
        self.push(
            author, cosigner, doc_type, title, template, at, 0.0, miss_p, end, sens, rng,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        author: usize,
        cosigner: Option<usize>,
        doc_type: &'static str,
        title: String,
        template: Template,
        service_at: NaiveDateTime,
        dictate_p: f64,
        miss_p: f64,
        end: NaiveDateTime,
        sens: &'static str,
        rng: &mut Rng,
    ) {
        let now = self.planner.now;
        // A note not yet written (after now, or after an in-house stay's current time).
        if service_at > now || service_at > end {
            return;
        }
        if rng.chance(miss_p * self.f) {
            self.work_left = true;
            return;
        }
        let late = dictate_p > 1.0;
        let (mut dictated_at, mut transcribed_at) = (None, None);
        if late || rng.chance(dictate_p) {
            let d = service_at
                + mins(if late {
                    rng.range(26 * 60, 50 * 60)
                } else {
                    rng.range(10, 180)
                });
            if d <= now {
                dictated_at = Some(d);
                let t = d + mins(rng.range(120, 20 * 60));
                transcribed_at = (t <= now).then_some(t);
            }
        }
        let ready = transcribed_at.unwrap_or(service_at);
        let delay = if rng.chance(0.7) {
            rng.range(10, 240)
        } else {
            rng.range(240, 72 * 60)
        };
        let signed = ready + mins(delay);
        let dictating = dictated_at.is_some() && transcribed_at.is_none();
        let unsigned = dictating || signed > now || rng.chance(UNSIGNED * self.f);
        let (status, signed_at, cosigned_at) = if unsigned {
            self.work_left = true;
            let status = match (dictated_at, transcribed_at) {
                (Some(_), Some(_)) => DocStatus::Transcribed,
                (Some(_), None) => DocStatus::Dictated,
                _ => DocStatus::Incomplete,
            };
            (status, None, None)
        } else if cosigner.is_some() {
            let c = signed + mins(rng.range(60, 48 * 60));
            if c > now || rng.chance(COSIGN_PENDING * self.f) {
                self.work_left = true;
                (DocStatus::Signed, Some(signed), None)
            } else {
                (DocStatus::Cosigned, Some(signed), Some(c))
            }
        } else {
            (DocStatus::Signed, Some(signed), None)
        };
        self.docs.push(DocPlan {
            doc_type,
            title,
            author,
            cosigner,
            status,
            service_at,
            dictated_at,
            transcribed_at,
            signed_at,
            cosigned_at,
            sensitivity: sens,
            body: String::new(),
            template,
        });
    }
}
