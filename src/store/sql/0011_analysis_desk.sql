-- chartdesk schema 0011 (issue #13): analysis a department can live with, and the desk's core.
-- Rows here are never deleted: a resolved or cleared row keeps its history in place.

-- Implausible encounters (data quality), named by rule (DQ-LOS, DQ-ORDER, DQ-FUTURE,
-- DQ-DOC-DATE). An encounter with an open row is kept out of analysis until it is fixed.
CREATE TABLE data_quality (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    rule         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    found_at     TEXT NOT NULL,
    resolved_at  TEXT,
    UNIQUE (encounter_id, rule)
) STRICT;
CREATE INDEX data_quality_open ON data_quality(rule, encounter_id) WHERE resolved_at IS NULL;

-- FHIR Procedure.category (SNOMED code), so an operating-room procedure is told from nursing care.
ALTER TABLE clinical_facts ADD COLUMN category TEXT NOT NULL DEFAULT '';

-- A note replaced by another (FHIR status superseded, or the target of relatesTo replaces):
-- never chased for signatures, not counted as documentation.
ALTER TABLE documents ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0,1));

-- Orders (FHIR ServiceRequest, HL7 ORM/OMG, demo). A consultation order expects a consult
-- report from its performer (REQ-CONSULT).
CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    kind         TEXT NOT NULL CHECK (kind IN ('consult','other')),
    code         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    ordered_at   TEXT NOT NULL,
    orderer_id   INTEGER REFERENCES providers(id),
    performer_id INTEGER REFERENCES providers(id),
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','completed','cancelled')),
    source       TEXT,
    source_key   TEXT UNIQUE
) STRICT;
CREATE INDEX orders_encounter ON orders(encounter_id);

-- Re-review flags: a document that arrives or is amended after coding (desk 'coding') or after
-- analysis (desk 'analysis') flags the encounter, naming the document.
CREATE TABLE rereview_flags (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    document_id  INTEGER NOT NULL REFERENCES documents(id),
    desk         TEXT NOT NULL CHECK (desk IN ('coding','analysis')),
    reason       TEXT NOT NULL,
    flagged_at   TEXT NOT NULL,
    cleared_at   TEXT,
    cleared_by   TEXT,
    UNIQUE (encounter_id, document_id, desk)
) STRICT;
CREATE INDEX rereview_open ON rereview_flags(desk, flagged_at) WHERE cleared_at IS NULL;

-- Break-the-glass opens of sensitive documents (Part 2, psychotherapy, HIV...): the purpose
-- given, for the privacy report.
CREATE TABLE sensitive_opens (
    id             INTEGER PRIMARY KEY,
    document_id    INTEGER NOT NULL REFERENCES documents(id),
    encounter_id   INTEGER NOT NULL REFERENCES encounters(id),
    username       TEXT NOT NULL,
    role           TEXT NOT NULL,
    labels         TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    opened_at      TEXT NOT NULL,
    reviewed_at    TEXT,
    reviewed_by    TEXT
) STRICT;
CREATE INDEX sensitive_opens_at ON sensitive_opens(opened_at);

-- Query templates (facility data, ACDIS/AHIMA compliant: non-leading, multiple choice with
-- "other" and "clinically undetermined"); escalation of unanswered queries.
CREATE TABLE query_templates (
    id       INTEGER PRIMARY KEY,
    code     TEXT NOT NULL UNIQUE,
    title    TEXT NOT NULL,
    question TEXT NOT NULL,
    options  TEXT NOT NULL,   -- JSON array of choices; always ends with Other and Clinically undetermined
    active   INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1))
) STRICT;
ALTER TABLE coding_queries ADD COLUMN template_code TEXT;
ALTER TABLE coding_queries ADD COLUMN options TEXT;
ALTER TABLE coding_queries ADD COLUMN escalated_at TEXT;
ALTER TABLE coding_queries ADD COLUMN escalation_level INTEGER NOT NULL DEFAULT 0;

-- Escalation letters by aging level (facility templates): level days and text.
CREATE TABLE escalation_levels (
    level    INTEGER PRIMARY KEY,
    days     INTEGER NOT NULL,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,   -- {provider} {npi} {facility} {days} {count} {date} placeholders
    suspend  INTEGER NOT NULL DEFAULT 0 CHECK (suspend IN (0,1))
) STRICT;
INSERT INTO escalation_levels(level, days, title, body, suspend) VALUES
 (1, 7, 'First reminder', 'Dear {provider} (NPI {npi}),\n\nOur records show {count} incomplete item(s) {days} or more days old awaiting your attention. Please complete them at your earliest convenience.', 0),
 (2, 14, 'Second notice: delinquent', 'Dear {provider} (NPI {npi}),\n\n{count} item(s) are now past the {days}-day limit of the medical staff rules (DEL-02). Please complete them this week.', 0),
 (3, 21, 'Final notice before suspension', 'Dear {provider} (NPI {npi}),\n\n{count} item(s) are {days} or more days old. Unless they are completed, your name goes to the medical staff office for suspension under the bylaws.', 0),
 (4, 30, 'Suspension notice', 'Dear {provider} (NPI {npi}),\n\n{count} item(s) are {days} or more days old. Under the medical staff bylaws your name is on the suspension list sent to the medical staff office on {date}.', 1);

-- Default query templates (facility data; a supervisor replaces them with `desk
-- query-templates-load`). Each presents clinical indicators, asks an open question, offers
-- several clinically reasonable options, "Other" and "Clinically undetermined", and never
-- mentions payment (ACDIS/AHIMA Guidelines for Achieving a Compliant Query Practice, 2022).
INSERT INTO query_templates(code, title, question, options) VALUES
 ('ANEMIA_TYPE', 'Anemia: type and acuity',
  'Based on the clinical indicators below, please clarify the type of anemia being monitored and treated, if any.',
  '["Acute blood loss anemia","Anemia of chronic disease","Iron deficiency anemia","Other (please specify)","Clinically undetermined"]'),
 ('HF_TYPE', 'Heart failure: type and acuity',
  'Based on the clinical indicators below, please clarify the type and acuity of the heart failure documented.',
  '["Acute on chronic systolic (HFrEF) heart failure","Acute on chronic diastolic (HFpEF) heart failure","Chronic heart failure without acute exacerbation","Other (please specify)","Clinically undetermined"]'),
 ('SEPSIS', 'Sepsis: clinical validity',
  'Based on the clinical indicators below, please clarify the condition being evaluated and treated.',
  '["Sepsis due to a specified infection","Localized infection without sepsis","Systemic inflammatory response of non-infectious origin","Other (please specify)","Clinically undetermined"]'),
 ('MALNUTRITION', 'Malnutrition: severity',
  'Based on the clinical indicators below, please clarify the nutritional status of this patient.',
  '["Severe protein-calorie malnutrition","Moderate protein-calorie malnutrition","Mild protein-calorie malnutrition","Other (please specify)","Clinically undetermined"]');
