//! Clinical vocabulary of the generator: specialties and services, reasons for visit with the
//! phrases their notes are built from, procedures, and the shared history/medication pools.

/// A clinical specialty; physicians, residents, NPs and PAs each have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spec {
    Medicine,
    Surgery,
    Cardiology,
    Ortho,
    ObGyn,
    Peds,
    Psych,
    Emergency,
    Gi,
    Neuro,
    Id,
    Addiction,
    Family,
    Anesthesia,
}

impl Spec {
    pub(crate) const ALL: &'static [Spec] = &[
        Spec::Medicine,
        Spec::Surgery,
        Spec::Cardiology,
        Spec::Ortho,
        Spec::ObGyn,
        Spec::Peds,
        Spec::Psych,
        Spec::Emergency,
        Spec::Gi,
        Spec::Neuro,
        Spec::Id,
        Spec::Addiction,
        Spec::Family,
        Spec::Anesthesia,
    ];

    pub(crate) fn index(self) -> usize {
        Spec::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The provider specialty as stored in `providers.specialty`.
    pub(crate) fn specialty(self) -> &'static str {
        match self {
            Spec::Medicine => "Hospital Medicine",
            Spec::Surgery => "General Surgery",
            Spec::Cardiology => "Cardiology",
            Spec::Ortho => "Orthopedic Surgery",
            Spec::ObGyn => "Obstetrics and Gynecology",
            Spec::Peds => "Pediatrics",
            Spec::Psych => "Psychiatry",
            Spec::Emergency => "Emergency Medicine",
            Spec::Gi => "Gastroenterology",
            Spec::Neuro => "Neurology",
            Spec::Id => "Infectious Disease",
            Spec::Addiction => "Addiction Medicine",
            Spec::Family => "Family Medicine",
            Spec::Anesthesia => "Anesthesiology",
        }
    }

    /// The hospital service (`encounters.service`) an attending of this specialty admits to.
    pub(crate) fn service(self) -> &'static str {
        match self {
            Spec::Medicine => "Medicine",
            Spec::Surgery => "Surgery",
            Spec::Cardiology => "Cardiology",
            Spec::Ortho => "Orthopedics",
            Spec::ObGyn => "OB/GYN",
            Spec::Peds => "Pediatrics",
            Spec::Psych => "Psychiatry",
            Spec::Emergency => "Emergency",
            Spec::Gi => "Gastroenterology",
            Spec::Neuro => "Neurology",
            Spec::Id => "Infectious Disease",
            Spec::Addiction => "Addiction Medicine",
            Spec::Family => "Family Medicine",
            Spec::Anesthesia => "Anesthesiology",
        }
    }
}

/// Encounter kinds a reason applies to (bit mask).
pub(crate) const IP: u8 = 1;
pub(crate) const ED: u8 = 2;
pub(crate) const OP: u8 = 4;
pub(crate) const OBS: u8 = 8;

/// Which note an outpatient visit for this reason produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VisitNote {
    Progress,
    Consult,
    Procedure,
}

/// A procedure: in the OR (operative report + consent) or at the bedside/endoscopy suite
/// (procedure note + consent).
#[derive(Debug)]
pub(crate) struct Procedure {
    pub name: &'static str,
    pub anesthesia: &'static str,
    pub findings: &'static str,
    pub ebl_ml: (i64, i64),
    pub minutes: (i64, i64),
    pub elective: bool,
    pub specimen: &'static str,
}

#[derive(Debug)]
pub(crate) struct Reason {
    /// `encounters.reason`.
    pub label: &'static str,
    pub spec: Spec,
    pub kinds: u8,
    pub ages: (i64, i64),
    /// `Some('F')` for reasons that only apply to women.
    pub sex: Option<char>,
    pub weight: u32,
    /// Chief complaint, in the patient's words.
    pub cc: &'static str,
    pub hpi: &'static str,
    pub exam: &'static str,
    pub dx: &'static str,
    pub plan: &'static str,
    pub los: (i64, i64),
    pub proc: Option<&'static Procedure>,
    pub note: VisitNote,
    /// Sensitivity label carried by every document of the encounter.
    pub sens: &'static str,
    /// A consult this inpatient reason brings, with the label the consult note carries.
    pub consult: Option<(Spec, &'static str)>,
}

const fn r(
    label: &'static str,
    spec: Spec,
    kinds: u8,
    ages: (i64, i64),
    weight: u32,
    text: [&'static str; 5],
) -> Reason {
    Reason {
        label,
        spec,
        kinds,
        ages,
        sex: None,
        weight,
        cc: text[0],
        hpi: text[1],
        exam: text[2],
        dx: text[3],
        plan: text[4],
        los: (1, 5),
        proc: None,
        note: VisitNote::Progress,
        sens: "",
        consult: None,
    }
}

impl Reason {
    const fn los(mut self, lo: i64, hi: i64) -> Reason {
        self.los = (lo, hi);
        self
    }
    const fn female(mut self) -> Reason {
        self.sex = Some('F');
        self
    }
    const fn procedure(mut self, p: &'static Procedure) -> Reason {
        self.proc = Some(p);
        self.note = VisitNote::Procedure;
        self
    }
    const fn consult_note(mut self) -> Reason {
        self.note = VisitNote::Consult;
        self
    }
    const fn sens(mut self, label: &'static str) -> Reason {
        self.sens = label;
        self
    }
    const fn with_consult(mut self, spec: Spec, label: &'static str) -> Reason {
        self.consult = Some((spec, label));
        self
    }
}

const fn p(
    name: &'static str,
    anesthesia: &'static str,
    findings: &'static str,
    ebl_ml: (i64, i64),
    minutes: (i64, i64),
    elective: bool,
    specimen: &'static str,
) -> Procedure {
    Procedure {
        name,
        anesthesia,
        findings,
        ebl_ml,
        minutes,
        elective,
        specimen,
    }
}

#[rustfmt::skip]
static LAP_APPY: Procedure = p("Laparoscopic appendectomy", "General endotracheal", "Inflamed, non-perforated appendix with surrounding fibrinous exudate; no abscess", (5, 40), (40, 80), false, "Appendix");
#[rustfmt::skip]
static LAP_CHOLE: Procedure = p("Laparoscopic cholecystectomy", "General endotracheal", "Distended, edematous gallbladder with multiple stones; critical view of safety obtained", (10, 60), (60, 120), false, "Gallbladder");
#[rustfmt::skip]
static EX_LAP: Procedure = p("Exploratory laparotomy with lysis of adhesions", "General endotracheal", "Dense band adhesion causing a transition point in the distal ileum; bowel viable after release", (50, 250), (90, 180), false, "None");
#[rustfmt::skip]
static HEMI: Procedure = p("Left hip hemiarthroplasty", "Spinal with sedation", "Displaced femoral neck fracture; cemented bipolar prosthesis placed with stable range of motion", (150, 400), (75, 130), false, "Femoral head");
#[rustfmt::skip]
static TKA: Procedure = p("Right total knee arthroplasty", "Spinal with adductor canal block", "Tricompartmental osteoarthritis with eburnated bone; components well fixed, good ligament balance", (100, 300), (80, 140), true, "Bone fragments");
#[rustfmt::skip]
static CSECTION: Procedure = p("Repeat low transverse cesarean section", "Spinal", "Viable infant delivered from vertex position; normal uterus, tubes and ovaries", (500, 1000), (45, 80), true, "Placenta");
#[rustfmt::skip]
static HYST: Procedure = p("Total laparoscopic hysterectomy", "General endotracheal", "Enlarged fibroid uterus, approximately 12-week size; normal adnexa", (75, 300), (100, 180), true, "Uterus and cervix");
#[rustfmt::skip]
static COLONOSCOPY: Procedure = p("Colonoscopy with cold snare polypectomy", "Monitored anesthesia care", "Two sessile polyps, 4 and 6 mm, in the sigmoid colon, removed completely; good prep", (0, 5), (20, 40), true, "Colon polyps");
#[rustfmt::skip]
static EGD: Procedure = p("Esophagogastroduodenoscopy with biopsy", "Monitored anesthesia care", "Mild antral erythema; biopsies taken for Helicobacter pylori", (0, 5), (10, 25), true, "Gastric biopsies");
#[rustfmt::skip]
static EXCISION: Procedure = p("Excision of skin lesion, back, with layered closure", "Local, 1% lidocaine with epinephrine", "2.1 cm irregular pigmented lesion excised with 4 mm margins", (0, 10), (20, 45), true, "Skin ellipse");
#[rustfmt::skip]
static INJECTION: Procedure = p("Corticosteroid injection, right knee", "Local", "Moderate effusion; 20 mL straw-colored fluid aspirated before injection", (0, 2), (10, 20), true, "None");

/// Every reason for visit. Weights are relative within the reasons that fit a patient.
#[rustfmt::skip]
pub(crate) static REASONS: &[Reason] = &[
    // Inpatient and observation medicine.
    r("Community-acquired pneumonia", Spec::Medicine, IP | OBS, (18, 95), 10, ["cough, fever and trouble breathing", "reports three days of productive cough with yellow sputum, fevers to 101.8 F and worsening dyspnea on exertion", "crackles at the right lung base with dullness to percussion", "Community-acquired pneumonia, right lower lobe", "Continue ceftriaxone and azithromycin, incentive spirometry, and wean oxygen to keep saturation above 92%"]).los(2, 6),
    r("Acute on chronic systolic heart failure", Spec::Cardiology, IP | OBS, (45, 95), 8, ["swelling in my legs and I can't lie flat", "describes two weeks of progressive dyspnea, three-pillow orthopnea and a 4 kg weight gain after running out of furosemide", "bibasilar crackles, jugular venous distension and 2+ pitting edema to the knees", "Acute on chronic heart failure with reduced ejection fraction", "IV furosemide with strict intake and output and daily weights; resume guideline-directed therapy as renal function allows"]).los(3, 7),
    r("COPD exacerbation", Spec::Medicine, IP | OBS, (45, 95), 7, ["I can't catch my breath", "has had increased sputum and wheezing for four days despite home nebulizers; smokes one pack per day", "diffuse expiratory wheezes with prolonged expiration and accessory muscle use", "Acute exacerbation of chronic obstructive pulmonary disease", "Scheduled ipratropium-albuterol nebulizers, prednisone 40 mg daily, doxycycline, and smoking cessation counseling"]).los(2, 5),
    r("Sepsis due to urinary tract infection", Spec::Medicine, IP, (18, 95), 6, ["fever and confusion", "family reports two days of dysuria and flank pain followed by fever, rigors and new confusion this morning", "temperature 39.1 C, heart rate 118, blood pressure 92/54, right costovertebral angle tenderness", "Sepsis secondary to acute pyelonephritis", "30 mL/kg crystalloid bolus, blood and urine cultures, empiric ceftriaxone, and trend lactate"]).los(3, 7).with_consult(Spec::Id, ""),
    r("Diabetic ketoacidosis", Spec::Medicine, IP, (12, 70), 3, ["vomiting and very thirsty", "known type 1 diabetic who ran out of insulin and has had polyuria, polydipsia and vomiting for two days", "dry mucous membranes, Kussmaul respirations and fruity breath", "Diabetic ketoacidosis, type 1 diabetes mellitus", "Insulin infusion per DKA protocol, potassium repletion, transition to basal-bolus insulin once the anion gap closes"]).los(2, 4),
    r("Cellulitis of left lower extremity", Spec::Medicine, IP | OBS, (18, 95), 5, ["my leg is red and swollen", "noticed redness spreading up the left shin over three days after a minor scrape while gardening", "warm, tender erythema from the ankle to mid-shin with a marked border, no fluctuance", "Cellulitis of the left lower limb", "IV cefazolin, elevation, mark borders, and transition to oral cephalexin once improving"]).los(2, 4),
    r("Upper gastrointestinal bleeding", Spec::Medicine, IP, (30, 95), 3, ["I threw up blood", "reports two episodes of coffee-ground emesis and black stools for a day; takes ibuprofen daily for back pain", "pale conjunctivae, epigastric tenderness, melena on rectal exam", "Acute upper gastrointestinal hemorrhage, suspected peptic ulcer", "IV pantoprazole, two large-bore IVs, transfuse for hemoglobin below 7, and endoscopy within 24 hours"]).los(2, 5).with_consult(Spec::Gi, ""),
    r("Atrial fibrillation with rapid ventricular response", Spec::Cardiology, IP | OBS | ED, (45, 95), 4, ["my heart is racing", "felt palpitations and lightheadedness since last evening; has not been taking apixaban regularly", "irregularly irregular rhythm at 140 beats per minute without murmur", "Atrial fibrillation with rapid ventricular response", "Rate control with diltiazem, resume anticoagulation, echocardiogram and thyroid studies"]).los(1, 3),
    r("Chest pain, rule out acute coronary syndrome", Spec::Cardiology, OBS | ED, (30, 95), 8, ["pressure in my chest", "describes substernal pressure radiating to the left arm for 40 minutes while climbing stairs, relieved with rest", "regular rate and rhythm, no murmurs, lungs clear, no reproducible chest wall tenderness", "Chest pain, acute coronary syndrome ruled out by serial troponins", "Serial high-sensitivity troponins and ECGs, aspirin, stress testing before discharge"]),
    r("Syncope", Spec::Medicine, OBS | ED, (18, 95), 4, ["I passed out", "lost consciousness for less than a minute after standing quickly from the dinner table; no incontinence or tongue biting", "orthostatic drop in systolic pressure of 24 mmHg, normal neurologic exam", "Syncope, likely orthostatic", "Telemetry, IV fluids, review antihypertensives, and echocardiogram"]),
    r("Acute ischemic stroke", Spec::Neuro, IP | OBS, (45, 95), 4, ["my right side is weak", "woke with right arm and leg weakness and slurred speech; last known well at 22:00", "right hemiparesis 3/5, expressive aphasia, NIH stroke scale 7", "Acute ischemic stroke, left middle cerebral artery territory", "Permissive hypertension, aspirin and high-intensity statin, MRI brain, swallow evaluation, and physical therapy"]).los(3, 7),
    r("Alcohol withdrawal", Spec::Medicine, IP, (21, 75), 2, ["shaky and sweating", "drinks about a fifth of vodka daily and stopped two days ago; now tremulous, anxious and unable to sleep", "coarse tremor, diaphoresis, heart rate 112, CIWA-Ar score 18", "Alcohol withdrawal without delirium", "Symptom-triggered lorazepam per CIWA protocol, thiamine and folate, and addiction medicine consultation"]).los(2, 5).with_consult(Spec::Addiction, "SUD_PART2"),
    r("Pneumocystis pneumonia in HIV disease", Spec::Medicine, IP, (20, 70), 1, ["dry cough and short of breath", "has had three weeks of dry cough, fatigue and exertional dyspnea; stopped antiretroviral therapy last year", "tachypnea, oxygen saturation 88% on room air, clear lungs on auscultation", "HIV disease with Pneumocystis jirovecii pneumonia", "Trimethoprim-sulfamethoxazole with prednisone taper, infectious disease consultation, and restart antiretrovirals"]).los(4, 9).sens("HIV").with_consult(Spec::Id, "HIV"),
    r("Major depressive disorder with suicidal ideation", Spec::Psych, IP | ED, (16, 80), 3, ["I don't want to be alive anymore", "reports two months of low mood, poor sleep and hopelessness, with a plan to overdose on stored medication", "flat affect, psychomotor slowing, endorses suicidal ideation with plan, no psychosis", "Major depressive disorder, recurrent, severe, with suicidal ideation", "Voluntary admission, safety precautions, start sertraline, daily psychotherapy and family meeting"]).los(4, 10).sens("MENTAL_HEALTH"),
    r("Bipolar disorder, current episode manic", Spec::Psych, IP, (18, 70), 1, ["I feel fantastic, I don't need sleep", "family reports a week of little sleep, pressured speech and large purchases after stopping lithium", "pressured speech, flight of ideas, grandiosity, no suicidal ideation", "Bipolar I disorder, current episode manic, severe", "Restart lithium with levels, olanzapine at bedtime, and a structured milieu"]).los(5, 10).sens("MENTAL_HEALTH"),
    r("Acute kidney injury", Spec::Medicine, IP, (50, 95), 3, ["weak and not urinating much", "had a week of diarrhea while continuing lisinopril and a diuretic; creatinine 3.1 from a baseline of 1.0", "dry mucous membranes, flat neck veins, no edema", "Acute kidney injury, prerenal", "Hold nephrotoxins and ACE inhibitor, IV fluids, renal ultrasound, and monitor urine output"]).los(2, 5),
    // Surgical stays.
    r("Acute appendicitis", Spec::Surgery, IP, (6, 80), 6, ["pain in my lower right belly", "pain began around the umbilicus yesterday and migrated to the right lower quadrant with anorexia and nausea", "right lower quadrant tenderness at McBurney's point with guarding", "Acute appendicitis", "Laparoscopic appendectomy today, IV piperacillin-tazobactam, advance diet after surgery"]).los(1, 3).procedure(&LAP_APPY),
    r("Acute cholecystitis", Spec::Surgery, IP, (20, 90), 6, ["pain under my right ribs", "has had constant right upper quadrant pain for 18 hours after a fatty meal, with nausea and fever", "right upper quadrant tenderness with positive Murphy's sign", "Acute calculous cholecystitis", "Laparoscopic cholecystectomy, IV antibiotics, and pain control"]).los(1, 4).procedure(&LAP_CHOLE),
    r("Small bowel obstruction", Spec::Surgery, IP, (30, 90), 2, ["my belly is swollen and I keep vomiting", "has had cramping abdominal pain, bilious vomiting and no flatus for two days; prior hysterectomy", "distended, tympanic abdomen with high-pitched bowel sounds", "Small bowel obstruction due to adhesions", "Nasogastric decompression, IV fluids, and exploratory laparotomy given failure of conservative management"]).los(4, 10).procedure(&EX_LAP),
    r("Closed fracture of left femoral neck", Spec::Ortho, IP, (60, 95), 4, ["I fell and can't walk", "tripped on a rug at home and could not bear weight afterward; no loss of consciousness", "left leg shortened and externally rotated, pain with any hip motion, distal pulses intact", "Displaced fracture of the left femoral neck", "Hemiarthroplasty, medicine co-management, DVT prophylaxis, and early mobilization"]).los(3, 7).procedure(&HEMI).with_consult(Spec::Medicine, ""),
    r("Primary osteoarthritis of right knee", Spec::Ortho, IP, (50, 85), 4, ["my knee pain is unbearable", "has years of progressive right knee pain despite injections and physical therapy, now limiting walking to one block", "varus deformity, crepitus, range of motion 5 to 105 degrees", "Primary osteoarthritis, right knee", "Elective total knee arthroplasty, multimodal analgesia, and physical therapy on day of surgery"]).los(1, 3).procedure(&TKA),
    r("Term pregnancy, previous cesarean delivery", Spec::ObGyn, IP, (18, 44), 3, ["scheduled for my repeat C-section", "G2P1 at 39 weeks with one prior low transverse cesarean, declining trial of labor; uncomplicated prenatal course", "gravid uterus, fetal heart tones 140s, cervix closed", "Intrauterine pregnancy at 39 weeks, previous cesarean delivery", "Scheduled repeat cesarean section, routine postpartum care, and lactation support"]).los(2, 4).female().procedure(&CSECTION),
    r("Symptomatic uterine leiomyoma", Spec::ObGyn, IP, (30, 55), 2, ["heavy bleeding every month", "has heavy menstrual bleeding with iron-deficiency anemia despite hormonal therapy; has completed childbearing", "enlarged irregular uterus, about 12-week size", "Leiomyoma of uterus with menorrhagia", "Total laparoscopic hysterectomy, iron supplementation, and postoperative recovery"]).los(1, 2).female().procedure(&HYST),
    r("Term pregnancy in spontaneous labor", Spec::ObGyn, IP, (16, 44), 6, ["my contractions are five minutes apart", "G1P0 at 39 weeks with regular contractions since early morning and intact membranes", "cervix 5 cm dilated, 90% effaced, vertex at 0 station; reactive fetal heart tracing", "Intrauterine pregnancy at 39 weeks in active labor", "Admit to labor and delivery, epidural on request, and expectant management"]).los(1, 2).female(),
    r("Bronchiolitis", Spec::Peds, IP | OBS, (0, 2), 4, ["baby is working hard to breathe", "parents report three days of congestion and cough, now with fast breathing and poor feeding", "subcostal retractions, diffuse wheezes and crackles, oxygen saturation 90%", "Acute bronchiolitis due to respiratory syncytial virus", "Nasal suctioning, supplemental oxygen, and monitoring of hydration and feeds"]).los(1, 4),
    r("Asthma exacerbation", Spec::Peds, IP | OBS | ED, (2, 17), 4, ["can't stop coughing and wheezing", "started wheezing after a cold three days ago; used albuterol every two hours at home without relief", "diffuse wheezes, intercostal retractions, peak flow 55% of personal best", "Moderate persistent asthma with acute exacerbation", "Albuterol every two hours spaced as tolerated, oral dexamethasone, and an asthma action plan"]).los(1, 3),
    r("Dehydration due to viral gastroenteritis", Spec::Peds, IP | OBS | ED, (0, 12), 3, ["vomiting and diarrhea, not drinking", "has had vomiting and watery diarrhea for two days with decreased wet diapers", "dry mucous membranes, capillary refill three seconds, mildly sunken eyes", "Moderate dehydration due to viral gastroenteritis", "Ondansetron, oral rehydration trial, and IV fluids if unable to tolerate"]).los(1, 2),
    // Emergency department.
    r("Abdominal pain", Spec::Emergency, ED, (12, 95), 8, ["my stomach hurts", "has had crampy diffuse abdominal pain with loose stools since yesterday, no blood, tolerating fluids", "soft abdomen with mild diffuse tenderness, no rebound or guarding", "Abdominal pain, likely viral gastroenteritis", "Basic labs, IV fluids, antiemetic, and return precautions"]),
    r("Laceration of right hand", Spec::Emergency, ED, (3, 90), 6, ["I cut my hand", "cut the palm of the right hand on a kitchen knife one hour ago; tetanus status unknown", "3 cm linear laceration of the right palm, full tendon function, sensation intact", "Laceration without foreign body of right hand", "Irrigation and simple repair with six 4-0 nylon sutures, tetanus booster, suture removal in 10 days"]),
    r("Sprain of left ankle", Spec::Emergency, ED, (8, 80), 5, ["I twisted my ankle", "inverted the left ankle playing basketball and was able to bear weight with pain", "swelling and tenderness over the anterior talofibular ligament, no bony tenderness", "Sprain of lateral ligament of left ankle", "RICE, ankle brace, ibuprofen, and follow-up if not improving"]),
    r("Migraine headache", Spec::Emergency, ED, (12, 70), 5, ["worst headache this month", "has a throbbing left-sided headache with photophobia and nausea for 10 hours, similar to prior migraines", "normal neurologic exam, no meningismus", "Migraine without aura, intractable", "IV prochlorperazine, diphenhydramine and fluids; neurology follow-up"]),
    r("Low back pain", Spec::Emergency, ED, (18, 85), 5, ["my back went out", "developed low back pain after lifting boxes yesterday; no bowel or bladder changes, no saddle anesthesia", "paraspinal muscle spasm, negative straight leg raise, normal strength and reflexes", "Acute low back strain", "NSAIDs, heat, activity as tolerated, and primary care follow-up"]),
    r("Renal colic", Spec::Emergency, ED, (18, 80), 4, ["terrible pain in my side", "sudden colicky right flank pain radiating to the groin with nausea and hematuria", "right costovertebral angle tenderness, writhing in discomfort", "Right ureteral calculus, 4 mm", "Ketorolac, tamsulosin, strainer, and urology follow-up"]),
    r("Motor vehicle collision, minor injuries", Spec::Emergency, ED, (16, 85), 3, ["I was in a car accident", "restrained driver in a low-speed rear-end collision with airbag deployment; neck and chest wall soreness", "midline cervical spine non-tender, seat-belt sign absent, full range of motion", "Cervical strain and chest wall contusion", "Imaging per Canadian C-spine rule negative; analgesics and return precautions"]),
    r("Allergic reaction", Spec::Emergency, ED, (2, 80), 2, ["I broke out in hives", "developed hives and lip swelling 30 minutes after eating shrimp; no wheeze or throat tightness", "diffuse urticaria, mild upper lip angioedema, clear lungs", "Allergic urticaria due to food", "Diphenhydramine, famotidine and prednisone; epinephrine auto-injector prescribed"]),
    r("Acute pharyngitis", Spec::Emergency, ED, (3, 60), 4, ["sore throat and fever", "has had sore throat, fever and painful swallowing for two days without cough", "tonsillar exudates and tender anterior cervical nodes", "Streptococcal pharyngitis", "Amoxicillin for 10 days, antipyretics, and hydration"]),
    r("Fall at home", Spec::Emergency, ED, (65, 95), 3, ["I fell in the bathroom", "slipped on a wet bathroom floor and struck the left shoulder; no head strike, on no anticoagulants", "tenderness of the left shoulder with full passive range of motion, normal neurologic exam", "Contusion of left shoulder after fall", "Shoulder radiographs negative; sling for comfort, home safety evaluation"]),
    // Outpatient.
    r("Screening colonoscopy", Spec::Gi, OP, (45, 80), 6, ["here for my screening colonoscopy", "average-risk patient due for colorectal cancer screening; completed split-dose preparation", "abdomen soft and non-tender", "Encounter for screening for malignant neoplasm of colon", "Follow pathology; repeat colonoscopy interval per findings"]).procedure(&COLONOSCOPY),
    r("Dyspepsia", Spec::Gi, OP, (25, 80), 3, ["burning in my upper stomach", "has epigastric burning after meals for three months despite omeprazole", "mild epigastric tenderness", "Dyspepsia", "Biopsy results to guide therapy; continue proton pump inhibitor"]).procedure(&EGD),
    r("Atypical pigmented skin lesion", Spec::Surgery, OP, (30, 90), 3, ["a mole on my back is changing", "partner noticed a mole on the upper back that has grown and darkened over six months", "2 cm irregular, variegated pigmented lesion on the upper back", "Neoplasm of uncertain behavior of skin", "Excision today; follow pathology and wound check in two weeks"]).procedure(&EXCISION),
    r("Osteoarthritis of right knee, injection", Spec::Ortho, OP, (45, 90), 3, ["my knee is acting up again", "known right knee osteoarthritis with flare after increased walking; last injection five months ago", "effusion, medial joint line tenderness, crepitus", "Primary osteoarthritis, right knee", "Corticosteroid injection, quadriceps strengthening, and weight management"]).procedure(&INJECTION),
    r("Hypertension and type 2 diabetes follow-up", Spec::Family, OP, (30, 95), 10, ["here for my check-up", "follows for hypertension and type 2 diabetes; home readings in the 130s/80s, checks sugars twice weekly", "blood pressure 138/84, normal monofilament foot exam", "Essential hypertension; type 2 diabetes mellitus without complications", "Continue metformin and lisinopril, hemoglobin A1c and lipid panel, return in three months"]),
    r("Annual wellness visit", Spec::Family, OP, (18, 95), 6, ["annual physical", "feels well; due for age-appropriate screening and immunizations", "normal examination", "Encounter for general adult medical examination", "Screening labs, influenza vaccine, and colorectal and breast cancer screening as due"]),
    r("Well child visit", Spec::Peds, OP, (0, 17), 8, ["well child check", "parents have no concerns; eating and sleeping well, meeting developmental milestones", "normal growth along the 50th percentile, normal exam", "Encounter for routine child health examination", "Vaccines per schedule, anticipatory guidance, and next visit per periodicity schedule"]),
    r("Routine prenatal visit", Spec::ObGyn, OP, (16, 44), 6, ["prenatal visit", "G2P1 at 28 weeks, good fetal movement, no bleeding, leaking fluid or contractions", "fundal height 28 cm, fetal heart rate 145", "Supervision of normal pregnancy, second trimester", "Glucose tolerance test, Tdap vaccine, and return in two weeks"]).female(),
    r("Palpitations, cardiology consultation", Spec::Cardiology, OP, (25, 90), 4, ["my heart skips beats", "referred for intermittent palpitations over two months, worse with caffeine, no syncope", "regular rhythm, no murmurs, normal jugular venous pressure", "Palpitations, likely premature ventricular contractions", "Holter monitor, echocardiogram, and caffeine reduction"]).consult_note(),
    r("Recurrent headaches, neurology consultation", Spec::Neuro, OP, (16, 80), 3, ["headaches every week", "referred for weekly headaches for six months with photophobia, no aura or red-flag features", "normal neurologic examination and fundi", "Chronic migraine without aura", "Headache diary, start topiramate, and limit analgesic use"]).consult_note(),
    r("Medication management, depression and anxiety", Spec::Psych, OP, (12, 85), 4, ["follow-up for my medications", "on sertraline for depression and anxiety; mood improved, sleep fair, no suicidal ideation", "calm, euthymic, linear thought process", "Major depressive disorder, recurrent, moderate; generalized anxiety disorder", "Continue sertraline, therapy referral, and return in six weeks"]).sens("MENTAL_HEALTH"),
    r("HIV clinic follow-up", Spec::Id, OP, (18, 80), 1, ["routine HIV follow-up", "on bictegravir-emtricitabine-tenofovir alafenamide with good adherence; no opportunistic infections", "no lymphadenopathy, no oral thrush", "HIV disease, virally suppressed", "Viral load and CD4 count, continue antiretroviral therapy, and return in three months"]).sens("HIV"),
    r("Opioid use disorder, maintenance treatment", Spec::Addiction, OP, (18, 70), 1, ["here for my buprenorphine refill", "in treatment for opioid use disorder for eight months on buprenorphine-naloxone, no return to use", "no signs of intoxication or withdrawal", "Opioid use disorder, moderate, in early remission, on maintenance therapy", "Continue buprenorphine-naloxone, urine drug testing, naloxone kit, and counseling"]).sens("SUD_PART2"),
    r("Postoperative follow-up", Spec::Surgery, OP, (18, 90), 3, ["checking on my incisions", "two weeks after laparoscopic surgery, pain controlled with acetaminophen, eating normally", "incisions clean, dry and intact without erythema", "Encounter for surgical aftercare", "Resume normal activity, lifting restriction for two more weeks, and follow up as needed"]),
];

/// The birth admission of a newborn (not drawn at random: used for patients born in-window).
#[rustfmt::skip]
pub(crate) static NEWBORN: Reason = r("Single liveborn infant, delivered vaginally", Spec::Peds, IP, (0, 0), 0, ["newborn admission", "term infant born by spontaneous vaginal delivery to a G2P2 mother with negative prenatal labs", "vigorous infant, normal red reflex, intact palate, no hip click", "Single liveborn infant, term, delivered vaginally", "Routine newborn care, hepatitis B vaccine, hearing screen and newborn metabolic screen"]).los(1, 2);

pub(crate) const PMH: &[&str] = &[
    "Essential hypertension",
    "Type 2 diabetes mellitus",
    "Hyperlipidemia",
    "Obesity",
    "Gastroesophageal reflux disease",
    "Hypothyroidism",
    "Osteoarthritis",
    "Asthma",
    "Chronic kidney disease stage 3a",
    "Coronary artery disease",
    "Atrial fibrillation",
    "Depression",
    "Anxiety",
    "Obstructive sleep apnea",
    "Benign prostatic hyperplasia",
    "Migraine",
    "Chronic low back pain",
    "Anemia",
];

pub(crate) const HOME_MEDS: &[&str] = &[
    "lisinopril 10 mg daily",
    "metformin 1000 mg twice daily",
    "atorvastatin 40 mg nightly",
    "amlodipine 5 mg daily",
    "levothyroxine 75 mcg daily",
    "omeprazole 20 mg daily",
    "metoprolol succinate 50 mg daily",
    "sertraline 50 mg daily",
    "albuterol inhaler as needed",
    "aspirin 81 mg daily",
    "apixaban 5 mg twice daily",
    "furosemide 40 mg daily",
    "gabapentin 300 mg three times daily",
    "tamsulosin 0.4 mg daily",
    "insulin glargine 20 units nightly",
    "acetaminophen 650 mg as needed",
];

pub(crate) const ALLERGIES: &[&str] = &[
    "No known drug allergies",
    "No known drug allergies",
    "No known drug allergies",
    "Penicillin (hives)",
    "Sulfa drugs (rash)",
    "Codeine (nausea)",
    "Latex (contact dermatitis)",
    "Iodinated contrast (itching)",
    "Shellfish",
];

pub(crate) const SOCIAL: &[&str] = &[
    "Lives with spouse; never smoker; drinks socially.",
    "Lives alone; former smoker, quit 10 years ago; no alcohol.",
    "Lives with family; current smoker, half a pack per day; denies drug use.",
    "Retired; lives with daughter; no tobacco, alcohol or drugs.",
    "Works in construction; occasional alcohol; no tobacco.",
    "Student; lives with parents; no tobacco or alcohol.",
    "Lives in an assisted living facility; never smoker.",
];

pub(crate) const FOLLOW_UP: &[&str] = &[
    "primary care provider within 7 days",
    "primary care provider in 1 to 2 weeks",
    "the clinic of the attending service in 2 weeks",
    "cardiology clinic in 2 weeks",
    "surgery clinic in 10 to 14 days for wound check",
];

/// The principal diagnosis (ICD-10-CM) a coder assigns for a visit reason (`encounters.reason`
/// label); `R69` (illness, unspecified) for a label not listed.
pub(crate) fn principal_dx(label: &str) -> &'static str {
    match label {
        "Community-acquired pneumonia" => "J18.9",
        "Acute on chronic systolic heart failure" => "I50.23",
        "COPD exacerbation" => "J44.1",
        "Sepsis due to urinary tract infection" => "A41.9",
        "Diabetic ketoacidosis" => "E10.10",
        "Cellulitis of left lower extremity" => "L03.116",
        "Upper gastrointestinal bleeding" => "K92.2",
        "Atrial fibrillation with rapid ventricular response" => "I48.91",
        "Chest pain, rule out acute coronary syndrome" => "R07.9",
        "Syncope" => "R55",
        "Acute ischemic stroke" => "I63.9",
        "Alcohol withdrawal" => "F10.239",
        "Pneumocystis pneumonia in HIV disease" => "B20",
        "Major depressive disorder with suicidal ideation" => "F32.2",
        "Bipolar disorder, current episode manic" => "F31.10",
        "Acute kidney injury" => "N17.9",
        "Acute appendicitis" => "K35.80",
        "Acute cholecystitis" => "K81.0",
        "Small bowel obstruction" => "K56.609",
        "Closed fracture of left femoral neck" => "S72.002A",
        "Primary osteoarthritis of right knee" | "Osteoarthritis of right knee, injection" => {
            "M17.11"
        }
        "Term pregnancy, previous cesarean delivery" => "O34.211",
        "Symptomatic uterine leiomyoma" => "D25.9",
        "Term pregnancy in spontaneous labor" => "O80",
        "Bronchiolitis" => "J21.9",
        "Asthma exacerbation" => "J45.901",
        "Dehydration due to viral gastroenteritis" => "A08.4",
        "Abdominal pain" => "R10.9",
        "Laceration of right hand" => "S61.411A",
        "Sprain of left ankle" => "S93.402A",
        "Migraine headache" => "G43.909",
        "Low back pain" => "M54.50",
        "Renal colic" => "N23",
        "Motor vehicle collision, minor injuries" | "Fall at home" => "T14.90XA",
        "Allergic reaction" => "T78.40XA",
        "Acute pharyngitis" => "J02.9",
        "Screening colonoscopy" => "Z12.11",
        "Dyspepsia" => "K30",
        "Atypical pigmented skin lesion" => "D48.5",
        "Hypertension and type 2 diabetes follow-up" => "E11.9",
        "Annual wellness visit" => "Z00.00",
        "Well child visit" => "Z00.129",
        "Routine prenatal visit" => "Z34.90",
        "Palpitations, cardiology consultation" => "R00.2",
        "Recurrent headaches, neurology consultation" => "R51.9",
        "Medication management, depression and anxiety" => "F41.8",
        "HIV clinic follow-up" => "B20",
        "Opioid use disorder, maintenance treatment" => "F11.20",
        "Postoperative follow-up" => "Z09",
        "Single liveborn infant, delivered vaginally" => "Z38.00",
        _ => "R69",
    }
}
