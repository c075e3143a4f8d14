//! Clinical note text, assembled from templates, the reason for visit and PRNG draws.
//!
//! Full notes are roughly 0.6–2 KB. In compact mode (large data sets, see [`super::GenSpec`])
//! each note keeps only its header and the key sections (about 0.3–0.5 KB), so a million
//! encounters stay a reasonable database size.

use std::fmt::Write as _;

use super::clinical::{ALLERGIES, FOLLOW_UP, HOME_MEDS, PMH, Procedure, Reason, SOCIAL};
use super::rng::Rng;

/// What every note needs to know about its encounter.
pub(crate) struct NoteCtx<'a> {
    pub reason: &'a Reason,
    pub age_years: i64,
    pub age_months: i64,
    pub sex: &'a str,
    pub service: &'a str,
    pub author: &'a str,
    pub attending: &'a str,
    pub compact: bool,
    /// Inpatient or observation stay (plans speak of the hospital, not of return precautions).
    pub inpatient: bool,
}

impl NoteCtx<'_> {
    /// "67-year-old woman", "8-month-old boy", "4-year-old child".
    pub(crate) fn who(&self) -> String {
        let adult = self.age_years >= 18;
        let noun = match (self.sex, adult) {
            ("F", true) => "woman",
            ("M", true) => "man",
            ("F", false) => "girl",
            ("M", false) => "boy",
            (_, true) => "adult",
            (_, false) => "child",
        };
        if self.age_years >= 2 {
            format!("{}-year-old {noun}", self.age_years)
        } else if self.age_months >= 1 {
            format!("{}-month-old {noun}", self.age_months)
        } else {
            format!("newborn {noun}")
        }
    }

    fn child(&self) -> bool {
        self.age_years < 18
    }
}

fn list(rng: &mut Rng, pool: &'static [&'static str], lo: i64, hi: i64) -> Vec<&'static str> {
    let n = rng.range(lo, hi).max(0) as usize;
    let mut out: Vec<&'static str> = Vec::with_capacity(n);
    for _ in 0..n * 2 {
        if out.len() >= n {
            break;
        }
        let s = *rng.pick(pool);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The reason's HPI phrase as a sentence.
fn hpi(ctx: &NoteCtx<'_>) -> String {
    let mut c = ctx.reason.hpi.chars();
    match c.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), c.as_str()),
        None => String::new(),
    }
}

fn joined(items: &[&str], none: &str) -> String {
    if items.is_empty() {
        none.to_string()
    } else {
        items.join("; ")
    }
}

fn vitals(rng: &mut Rng, ctx: &NoteCtx<'_>) -> String {
    let t = if rng.chance(0.85) {
        36.4 + rng.range(0, 9) as f64 / 10.0
    } else {
        37.4 + rng.range(0, 12) as f64 / 10.0
    };
    let (hr, sbp, rr) = if ctx.age_years < 2 {
        (rng.range(110, 160), rng.range(75, 95), rng.range(28, 48))
    } else if ctx.child() {
        (rng.range(75, 120), rng.range(95, 115), rng.range(18, 28))
    } else {
        (rng.range(62, 112), rng.range(104, 162), rng.range(14, 22))
    };
    let dbp = sbp * 6 / 10 + rng.range(-4, 10);
    let spo2 = rng.range(91, 100);
    format!("T {t:.1} C, HR {hr}, BP {sbp}/{dbp}, RR {rr}, SpO2 {spo2}% on room air")
}

const GENERAL: &[&str] = &[
    "Alert, oriented, in no acute distress.",
    "Awake and conversant, appears uncomfortable.",
    "Well-appearing, resting in bed.",
    "Ill-appearing but nontoxic, answers questions appropriately.",
];

const COURSE: &[&str] = &[
    "Symptoms improved steadily with treatment and the patient remained hemodynamically stable.",
    "The course was uncomplicated; pain was controlled with oral analgesics by the day before discharge.",
    "Physical and occupational therapy evaluated the patient and recommended the discharge plan below.",
    "Laboratory values trended toward baseline and were stable on the day of discharge.",
    "Case management met with the patient and family to coordinate the discharge plan.",
];

const SUBJECTIVE: &[&str] = &[
    "Feels better this morning and slept well.",
    "Reports less pain; tolerating a regular diet.",
    "Still fatigued but ambulating in the hallway with assistance.",
    "No new complaints overnight; nursing notes no events.",
    "Mild nausea overnight, resolved with ondansetron.",
];

fn header(out: &mut String, title: &str, ctx: &NoteCtx<'_>, when: &str) {
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "Service: {}    Date of service: {when}", ctx.service);
    let _ = writeln!(out, "Author: {}\n", ctx.author);
}

fn history(out: &mut String, rng: &mut Rng, ctx: &NoteCtx<'_>) {
    let r = ctx.reason;
    let _ = writeln!(out, "CHIEF COMPLAINT: \"{}\"\n", r.cc);
    let _ = writeln!(
        out,
        "HISTORY OF PRESENT ILLNESS:\nThe patient is a {}. {}",
        ctx.who(),
        hpi(ctx)
    );
    if ctx.compact {
        let _ = writeln!(out);
        return;
    }
    let extra = rng.pick(&[
        "Denies recent travel or sick contacts.",
        "The medication list was reconciled with the pharmacy record.",
        "History was obtained from the patient and confirmed with family at the bedside.",
        "Outside records were reviewed.",
    ]);
    let _ = writeln!(out, "{extra}\n");
    let (pmh, meds) = if ctx.child() {
        (list(rng, PMH, 0, 0), list(rng, HOME_MEDS, 0, 0))
    } else {
        let lo = if ctx.age_years > 60 { 2 } else { 0 };
        (list(rng, PMH, lo, lo + 3), list(rng, HOME_MEDS, lo, lo + 3))
    };
    let _ = writeln!(
        out,
        "PAST MEDICAL HISTORY: {}",
        joined(&pmh, "No significant past medical history")
    );
    let _ = writeln!(out, "MEDICATIONS: {}", joined(&meds, "None"));
    let _ = writeln!(out, "ALLERGIES: {}", rng.pick(ALLERGIES));
    let social = if ctx.child() {
        "Lives with parents; up to date on immunizations."
    } else {
        // Older adults: the retired/assisted-living entries; younger: the working-age ones.
        let pool: &[usize] = match ctx.age_years {
            65.. => &[1, 3, 6],
            ..=24 => &[0, 2, 5],
            _ => &[0, 1, 2, 4],
        };
        SOCIAL.get(*rng.pick(pool)).copied().unwrap_or("")
    };
    let _ = writeln!(out, "SOCIAL HISTORY: {social}");
    let _ = writeln!(
        out,
        "REVIEW OF SYSTEMS: Ten-point review negative except as noted in the HPI.\n"
    );
}

fn exam(out: &mut String, rng: &mut Rng, ctx: &NoteCtx<'_>) {
    let _ = writeln!(out, "PHYSICAL EXAMINATION:");
    let _ = writeln!(out, "Vitals: {}.", vitals(rng, ctx));
    if !ctx.compact {
        let _ = writeln!(out, "General: {}", rng.pick(GENERAL));
        let _ = writeln!(
            out,
            "HEENT: Normocephalic, atraumatic; moist mucous membranes.\nCardiac and respiratory: see pertinent findings; otherwise unremarkable."
        );
    }
    let _ = writeln!(out, "Pertinent: {}.\n", ctx.reason.exam);
}

fn plan(out: &mut String, rng: &mut Rng, ctx: &NoteCtx<'_>, consult: bool) {
    let r = ctx.reason;
    let _ = writeln!(out, "ASSESSMENT AND PLAN:\n{}.\n- {}.", r.dx, r.plan);
    if ctx.compact {
        return;
    }
    if consult && ctx.inpatient {
        let _ = writeln!(
            out,
            "- Recommendations discussed with the primary team; we will follow daily."
        );
    } else if ctx.inpatient {
        let _ = writeln!(
            out,
            "- {}\n- Code status: {}.",
            rng.pick(&[
                "VTE prophylaxis with enoxaparin.",
                "VTE prophylaxis with sequential compression devices.",
                "Diet as tolerated; monitor electrolytes daily.",
            ]),
            if ctx.age_years > 80 && rng.chance(0.3) {
                "DNR/DNI, confirmed with patient and family"
            } else {
                "full code"
            }
        );
    } else {
        let _ = writeln!(
            out,
            "- Return precautions reviewed; patient verbalized understanding."
        );
    }
}

/// History and physical (34117-2).
pub(crate) fn history_and_physical(rng: &mut Rng, ctx: &NoteCtx<'_>, when: &str) -> String {
    let mut out = String::with_capacity(1600);
    header(&mut out, "HISTORY AND PHYSICAL", ctx, when);
    history(&mut out, rng, ctx);
    exam(&mut out, rng, ctx);
    plan(&mut out, rng, ctx, false);
    let _ = writeln!(out, "\nAttending of record: {}", ctx.attending);
    out
}

/// H&P update note (11506-3) on the day of admission, for an H&P written before admission.
pub(crate) fn hp_update(rng: &mut Rng, ctx: &NoteCtx<'_>, when: &str) -> String {
    let mut out = String::with_capacity(700);
    header(&mut out, "H&P UPDATE NOTE", ctx, when);
    let _ = writeln!(
        out,
        "The history and physical performed before admission was reviewed and the patient was re-examined today.\n\
         Interval changes: {}\nVitals: {}.\nPertinent: {}.\n",
        rng.pick(&[
            "none; no new symptoms, medications or allergies since the preoperative visit.",
            "started a short course of antibiotics for a dental infection, now completed.",
            "reports a mild cold last week, now resolved; lungs clear.",
        ]),
        vitals(rng, ctx),
        ctx.reason.exam
    );
    let _ = writeln!(
        out,
        "Assessment: {}. No change in the indication; proceed with {} as planned.",
        ctx.reason.dx,
        ctx.reason
            .proc
            .map(|p| p.name.to_lowercase())
            .unwrap_or_else(|| "the plan".into())
    );
    out
}

/// Progress note (11506-3) in SOAP form, for hospital day `day` (1-based).
pub(crate) fn progress(rng: &mut Rng, ctx: &NoteCtx<'_>, when: &str, day: i64) -> String {
    let mut out = String::with_capacity(900);
    header(
        &mut out,
        &format!("PROGRESS NOTE - Hospital day {day}"),
        ctx,
        when,
    );
    let _ = writeln!(out, "SUBJECTIVE: {}", rng.pick(SUBJECTIVE));
    let _ = writeln!(out, "OBJECTIVE: {}.", vitals(rng, ctx));
    if !ctx.compact {
        let _ = writeln!(
            out,
            "Exam: {} Findings compared with admission: {}.",
            rng.pick(GENERAL),
            rng.pick(&["improving", "unchanged", "slowly improving"])
        );
        let _ = writeln!(
            out,
            "Labs: {}",
            rng.pick(&[
                "CBC and basic metabolic panel reviewed, within normal limits except mild anemia.",
                "Creatinine stable; potassium 3.9 after repletion.",
                "White blood cell count down-trending.",
            ])
        );
    }
    let _ = writeln!(
        out,
        "ASSESSMENT: {}, {}.",
        ctx.reason.dx,
        rng.pick(&["improving", "clinically stable", "responding to treatment"])
    );
    let _ = writeln!(out, "PLAN: {}.", ctx.reason.plan);
    if !ctx.compact {
        let _ = writeln!(
            out,
            "Disposition: anticipate discharge in {} day(s) if progress continues.",
            rng.range(1, 3)
        );
    }
    out
}

/// Discharge summary (18842-5).
pub(crate) fn discharge_summary(
    rng: &mut Rng,
    ctx: &NoteCtx<'_>,
    when: &str,
    (admit, discharge): (&str, &str),
    procedure: Option<&Procedure>,
    disposition: &str,
) -> String {
    let r = ctx.reason;
    let mut out = String::with_capacity(1800);
    header(&mut out, "DISCHARGE SUMMARY", ctx, when);
    let _ = writeln!(out, "Admission date: {admit}\nDischarge date: {discharge}");
    let _ = writeln!(out, "Attending physician: {}\n", ctx.attending);
    let _ = writeln!(out, "ADMISSION DIAGNOSIS: {}", r.label);
    let _ = writeln!(out, "PRINCIPAL DISCHARGE DIAGNOSIS: {}", r.dx);
    let _ = writeln!(
        out,
        "PROCEDURES: {}\n",
        procedure.map(|p| p.name).unwrap_or("None")
    );
    let _ = writeln!(
        out,
        "HOSPITAL COURSE:\nThe patient is a {} who presented with \"{}\". {} Treatment: {}.",
        ctx.who(),
        r.cc,
        hpi(ctx),
        r.plan
    );
    if let Some(p) = procedure {
        let _ = writeln!(
            out,
            "{} was performed without complication; findings: {}.",
            p.name,
            p.findings.to_lowercase()
        );
    }
    if !ctx.compact {
        for s in list(rng, COURSE, 1, 3) {
            let _ = writeln!(out, "{s}");
        }
    }
    let _ = writeln!(
        out,
        "\nCONDITION AT DISCHARGE: {}",
        rng.pick(&["Improved.", "Stable.", "Good."])
    );
    let _ = writeln!(out, "DISPOSITION: {disposition}.");
    if !ctx.compact {
        let meds = list(rng, HOME_MEDS, 1, 4);
        let _ = writeln!(out, "DISCHARGE MEDICATIONS: {}", joined(&meds, "None"));
        let _ = writeln!(
            out,
            "DIET AND ACTIVITY: {}",
            rng.pick(&[
                "Regular diet; activity as tolerated.",
                "Heart-healthy, 2 g sodium diet; walk daily as tolerated.",
                "Carbohydrate-consistent diet; no lifting over 10 lb for 2 weeks.",
            ])
        );
    }
    let _ = writeln!(out, "FOLLOW-UP: With {}.", rng.pick(FOLLOW_UP));
    out
}

/// Operative report (11504-8).
pub(crate) fn operative_report(
    rng: &mut Rng,
    ctx: &NoteCtx<'_>,
    p: &Procedure,
    when: &str,
    anesthesiologist: &str,
) -> String {
    let r = ctx.reason;
    let mut out = String::with_capacity(1800);
    header(&mut out, "OPERATIVE REPORT", ctx, when);
    let ebl = rng.range(p.ebl_ml.0, p.ebl_ml.1) / 5 * 5;
    let complication = if rng.chance(0.04) {
        "Minor bleeding from a port site, controlled with electrocautery."
    } else {
        "None."
    };
    let _ = writeln!(out, "SURGEON: {}", ctx.author);
    if !p.anesthesia.starts_with("Local") {
        let _ = writeln!(out, "ANESTHESIOLOGIST: {anesthesiologist}");
    }
    let _ = writeln!(out, "PREOPERATIVE DIAGNOSIS: {}", r.label);
    let _ = writeln!(out, "POSTOPERATIVE DIAGNOSIS: {}", r.dx);
    let _ = writeln!(out, "PROCEDURE: {}", p.name);
    let _ = writeln!(out, "ANESTHESIA: {}", p.anesthesia);
    let _ = writeln!(out, "FINDINGS: {}.", p.findings);
    let _ = writeln!(out, "ESTIMATED BLOOD LOSS: {ebl} mL");
    let _ = writeln!(out, "SPECIMENS: {}", p.specimen);
    let _ = writeln!(out, "COMPLICATIONS: {complication}");
    let _ = writeln!(out, "CONDITION: Stable to the recovery unit.\n");
    if ctx.compact {
        return out;
    }
    let _ = writeln!(
        out,
        "INDICATIONS: The patient is a {}. {} Risks, benefits and alternatives were discussed and informed consent was obtained.\n",
        ctx.who(),
        hpi(ctx)
    );
    let _ = writeln!(
        out,
        "DESCRIPTION OF PROCEDURE: The patient was identified in the preoperative area and the operative site was marked. \
         After induction of anesthesia the patient was positioned and padded, and the site was prepped and draped in the usual sterile fashion. \
         A time-out confirmed patient, procedure, site and antibiotic administration. The {} was carried out as planned; the findings are noted above. \
         Hemostasis was confirmed and the wound was closed in layers. Sponge, needle and instrument counts were correct times two. \
         The patient tolerated the procedure well.",
        p.name.to_lowercase()
    );
    out
}

/// Informed consent (59284-0) for a procedure.
pub(crate) fn consent(rng: &mut Rng, ctx: &NoteCtx<'_>, p: &Procedure, when: &str) -> String {
    let mut out = String::with_capacity(900);
    header(&mut out, "INFORMED CONSENT FOR PROCEDURE", ctx, when);
    let signer = if ctx.child() {
        "the patient's parent (legal guardian)"
    } else {
        "the patient"
    };
    let _ = writeln!(
        out,
        "Procedure: {}.\nAnesthesia: {}.\nPerformed by: {} and associates.\n",
        p.name, p.anesthesia, ctx.attending
    );
    let _ = writeln!(
        out,
        "The nature of the procedure, its expected benefits, material risks (including bleeding, infection, injury to nearby structures, \
         anesthetic complications and the possible need for further procedures) and the reasonable alternatives, including no treatment, \
         were explained to {signer} in plain language. Questions were invited and answered."
    );
    if !ctx.compact {
        let _ = writeln!(
            out,
            "Blood products: {}.\nInterpreter: {}.",
            rng.pick(&[
                "consents to transfusion if needed",
                "declines transfusion; alternatives discussed",
            ]),
            rng.pick(&["not required", "used (Spanish, ID 4471)", "not required"])
        );
    }
    let _ = writeln!(
        out,
        "Consent signed by {signer} and witnessed by the registered nurse."
    );
    out
}

/// Emergency department note (34111-5).
pub(crate) fn ed_note(rng: &mut Rng, ctx: &NoteCtx<'_>, when: &str, disposition: &str) -> String {
    let mut out = String::with_capacity(1500);
    header(&mut out, "EMERGENCY DEPARTMENT NOTE", ctx, when);
    let _ = writeln!(out, "Triage acuity: ESI {}\n", rng.range(2, 4));
    history(&mut out, rng, ctx);
    exam(&mut out, rng, ctx);
    let _ = writeln!(
        out,
        "ED COURSE AND MEDICAL DECISION MAKING:\n{}.",
        ctx.reason.plan
    );
    if !ctx.compact {
        let _ = writeln!(
            out,
            "Differential diagnosis was considered and the presentation is most consistent with the diagnosis below. {}",
            rng.pick(&[
                "Symptoms improved on reassessment.",
                "Vital signs normalized before disposition.",
                "The patient was re-examined and is comfortable.",
            ])
        );
    }
    let _ = writeln!(out, "\nDIAGNOSIS: {}", ctx.reason.dx);
    let _ = writeln!(out, "DISPOSITION: {disposition}. Return precautions given.");
    out
}

/// Outpatient visit note: progress (11506-3) or consultation (11488-4).
pub(crate) fn clinic_note(rng: &mut Rng, ctx: &NoteCtx<'_>, when: &str, consult: bool) -> String {
    let mut out = String::with_capacity(1400);
    let title = if consult {
        "CONSULTATION NOTE"
    } else {
        "CLINIC NOTE"
    };
    header(&mut out, title, ctx, when);
    if consult {
        let _ = writeln!(
            out,
            "Reason for consultation: {}. Requested by {}.\n",
            ctx.reason.label, ctx.attending
        );
    }
    history(&mut out, rng, ctx);
    exam(&mut out, rng, ctx);
    plan(&mut out, rng, ctx, consult);
    if consult {
        let _ = writeln!(
            out,
            "\nThank you for this consultation; we will follow along."
        );
    }
    out
}

/// Procedure note (28570-0) for an outpatient or bedside procedure.
pub(crate) fn procedure_note(
    rng: &mut Rng,
    ctx: &NoteCtx<'_>,
    p: &Procedure,
    when: &str,
) -> String {
    let mut out = String::with_capacity(1200);
    header(&mut out, "PROCEDURE NOTE", ctx, when);
    let _ = writeln!(out, "PROCEDURE: {}", p.name);
    let _ = writeln!(out, "INDICATION: {}", ctx.reason.label);
    let _ = writeln!(out, "SEDATION/ANESTHESIA: {}", p.anesthesia);
    let _ = writeln!(out, "FINDINGS: {}.", p.findings);
    let _ = writeln!(out, "SPECIMENS: {}", p.specimen);
    let _ = writeln!(
        out,
        "ESTIMATED BLOOD LOSS: {}\nCOMPLICATIONS: None.",
        if p.ebl_ml.1 <= 5 {
            "Minimal"
        } else {
            "Less than 10 mL"
        }
    );
    if !ctx.compact {
        let _ = writeln!(
            out,
            "\nThe patient is a {}. {} After informed consent and a time-out, the procedure was performed as described; \
             the patient tolerated it well and was observed until discharge criteria were met. {}",
            ctx.who(),
            hpi(ctx),
            rng.pick(&[
                "Written post-procedure instructions were provided.",
                "A driver accompanied the patient home.",
                "Results will be communicated by phone within one week.",
            ])
        );
    }
    let _ = writeln!(out, "\nPLAN: {}.", ctx.reason.plan);
    out
}
