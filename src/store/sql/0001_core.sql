-- chartdesk schema v1: the whole product's core tables. Later migrations extend it.
-- Conventions: clinical times are facility-local ISO-8601 text ('YYYY-MM-DDTHH:MM:SS');
-- audit and system times are UTC with milliseconds and 'Z'. Rows that the audit log refers
-- to (users, patients, encounters, documents) are never deleted.

CREATE TABLE chartdesk_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    username            TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name           TEXT NOT NULL DEFAULT '',
    role                TEXT NOT NULL CHECK (role IN ('technician','coder','roi','supervisor')),
    password_hash       TEXT NOT NULL,
    disabled            INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),
    locked              INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0,1)),
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    password_changed_at TEXT NOT NULL,
    last_login_at       TEXT
) STRICT;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
) STRICT;

-- Providers are clinicians who owe documentation; they are not users (DOMAIN §1).
CREATE TABLE providers (
    id            INTEGER PRIMARY KEY,
    npi           TEXT UNIQUE,
    family_name   TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    credentials   TEXT NOT NULL DEFAULT '',
    specialty     TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL DEFAULT 'physician'
                  CHECK (kind IN ('physician','resident','np','pa','other')),
    supervisor_id INTEGER REFERENCES providers(id),
    active        INTEGER NOT NULL DEFAULT 1,
    source        TEXT,
    source_key    TEXT
) STRICT;

CREATE TABLE organizations (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    npi        TEXT,
    source     TEXT,
    source_key TEXT UNIQUE
) STRICT;

CREATE TABLE patients (
    id          INTEGER PRIMARY KEY,
    mrn         TEXT NOT NULL UNIQUE,
    family_name TEXT NOT NULL COLLATE NOCASE,
    given_name  TEXT NOT NULL COLLATE NOCASE,
    birth_date  TEXT NOT NULL,
    sex         TEXT NOT NULL CHECK (sex IN ('F','M','O','U')),
    deceased_at TEXT,
    address     TEXT NOT NULL DEFAULT '',
    source      TEXT,
    source_key  TEXT
) STRICT;
CREATE INDEX patients_family ON patients(family_name, given_name);
CREATE INDEX patients_given ON patients(given_name);

CREATE TABLE encounters (
    id                    INTEGER PRIMARY KEY,
    visit_number          TEXT NOT NULL UNIQUE,
    patient_id            INTEGER NOT NULL REFERENCES patients(id),
    kind                  TEXT NOT NULL CHECK (kind IN ('inpatient','outpatient','emergency','observation')),
    service               TEXT NOT NULL DEFAULT '',
    admit_at              TEXT NOT NULL,
    discharge_at          TEXT,
    attending_id          INTEGER REFERENCES providers(id),
    discharge_disposition TEXT,
    reason                TEXT NOT NULL DEFAULT '',
    him_status            TEXT NOT NULL DEFAULT 'open'
                          CHECK (him_status IN ('open','awaiting_analysis','incomplete','doc_complete')),
    coding_status         TEXT NOT NULL DEFAULT 'not_ready'
                          CHECK (coding_status IN ('not_ready','ready','in_progress','on_hold_query','coded','final_billed')),
    analyzed_at           TEXT,
    coded_at              TEXT,
    final_billed_at       TEXT,
    total_charges_cents   INTEGER,
    source                TEXT,
    source_key            TEXT
) STRICT;
CREATE INDEX encounters_patient ON encounters(patient_id, admit_at);
CREATE INDEX encounters_him ON encounters(him_status, discharge_at);
CREATE INDEX encounters_coding ON encounters(coding_status, discharge_at);
CREATE INDEX encounters_discharge ON encounters(discharge_at) WHERE discharge_at IS NOT NULL;
CREATE INDEX encounters_him_service ON encounters(him_status, service, discharge_at);
CREATE INDEX encounters_him_attending ON encounters(him_status, attending_id, discharge_at);

CREATE TABLE documents (
    id             INTEGER PRIMARY KEY,
    encounter_id   INTEGER NOT NULL REFERENCES encounters(id),
    doc_type       TEXT NOT NULL,            -- LOINC code, e.g. 34117-2 H&P
    title          TEXT NOT NULL,
    author_id      INTEGER REFERENCES providers(id),
    cosigner_id    INTEGER REFERENCES providers(id),
    status         TEXT NOT NULL CHECK (status IN ('incomplete','dictated','transcribed','signed',
                                                   'cosigned','reviewed','amended','entered_in_error')),
    service_at     TEXT NOT NULL,
    dictated_at    TEXT,
    transcribed_at TEXT,
    signed_at      TEXT,
    cosigned_at    TEXT,
    sensitivity    TEXT NOT NULL DEFAULT '',  -- comma-separated labels (SUD_PART2, PSYCHOTHERAPY, ...)
    amends_id      INTEGER REFERENCES documents(id),
    body           TEXT NOT NULL DEFAULT '',
    source         TEXT,
    source_key     TEXT
) STRICT;
CREATE INDEX documents_encounter ON documents(encounter_id, service_at);
CREATE INDEX documents_author_status ON documents(author_id, status);

-- Clinical facts from import (SNOMED conditions/procedures): reference for the coder only.
CREATE TABLE clinical_facts (
    id           INTEGER PRIMARY KEY,
    encounter_id INTEGER REFERENCES encounters(id),
    patient_id   INTEGER NOT NULL REFERENCES patients(id),
    kind         TEXT NOT NULL CHECK (kind IN ('condition','procedure')),
    system       TEXT NOT NULL,
    code         TEXT NOT NULL,
    display      TEXT NOT NULL DEFAULT '',
    occurred_at  TEXT,
    performer_id INTEGER REFERENCES providers(id),
    source       TEXT,
    source_key   TEXT
) STRICT;
CREATE INDEX clinical_facts_encounter ON clinical_facts(encounter_id);

CREATE TABLE deficiencies (
    id            INTEGER PRIMARY KEY,
    encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
    document_id   INTEGER REFERENCES documents(id),
    slot          TEXT NOT NULL,              -- doc id or required slot: idempotency key (DEF-01)
    kind          TEXT NOT NULL,              -- MISS_HP, UNSIGNED, ... (DOMAIN §2.2)
    provider_id   INTEGER REFERENCES providers(id),
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open','dictated','transcribed','signed','cosigned','completed','waived','void')),
    opened_at     TEXT NOT NULL,
    assigned_at   TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    closed_at     TEXT,
    closed_by     TEXT,
    waive_reason  TEXT,                       -- WV_* code (DEF-03)
    waive_pending INTEGER NOT NULL DEFAULT 0, -- a technician's waiver awaiting a supervisor
    origin        TEXT NOT NULL DEFAULT 'rule' CHECK (origin IN ('rule','manual','query')),
    rule          TEXT NOT NULL DEFAULT '',   -- rule id that found it (REQ-HP, ...)
    note          TEXT NOT NULL DEFAULT '',
    UNIQUE (encounter_id, kind, slot)
) STRICT;
CREATE INDEX deficiencies_open_provider ON deficiencies(provider_id, assigned_at)
    WHERE status NOT IN ('completed','waived','void');
CREATE INDEX deficiencies_open_kind ON deficiencies(kind, assigned_at)
    WHERE status NOT IN ('completed','waived','void');

-- Maintained counters for aging (DEL-06): open deficiencies per kind and assignment day, kept
-- exact by triggers, so "open by type x aging bucket" sums a few hundred rows instead of
-- scanning millions of deficiencies.
CREATE TABLE deficiency_open_daily (
    kind TEXT NOT NULL,
    day  TEXT NOT NULL,              -- date part of assigned_at
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, day)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER deficiency_open_ins AFTER INSERT ON deficiencies
WHEN NEW.status NOT IN ('completed','waived','void')
BEGIN
    INSERT INTO deficiency_open_daily(kind, day, n) VALUES (NEW.kind, substr(NEW.assigned_at, 1, 10), 1)
    ON CONFLICT(kind, day) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER deficiency_open_upd AFTER UPDATE OF status, kind, assigned_at ON deficiencies
BEGIN
    UPDATE deficiency_open_daily SET n = n - 1
     WHERE OLD.status NOT IN ('completed','waived','void') AND kind = OLD.kind AND day = substr(OLD.assigned_at, 1, 10);
    INSERT INTO deficiency_open_daily(kind, day, n)
    SELECT NEW.kind, substr(NEW.assigned_at, 1, 10), 1 WHERE NEW.status NOT IN ('completed','waived','void')
    ON CONFLICT(kind, day) DO UPDATE SET n = n + 1;
END;

CREATE TABLE code_sets (
    id             INTEGER PRIMARY KEY,
    system         TEXT NOT NULL CHECK (system IN ('icd10cm','icd10pcs','mce')),
    fiscal_year    INTEGER NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to   TEXT NOT NULL,
    source         TEXT NOT NULL,
    loaded_at      TEXT NOT NULL,
    UNIQUE (system, fiscal_year)
) STRICT;

CREATE TABLE codes (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    code        TEXT NOT NULL,
    billable    INTEGER NOT NULL,
    short_title TEXT NOT NULL DEFAULT '',
    long_title  TEXT NOT NULL,
    PRIMARY KEY (code_set_id, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE encounter_codes (
    id             INTEGER PRIMARY KEY,
    encounter_id   INTEGER NOT NULL REFERENCES encounters(id),
    kind           TEXT NOT NULL CHECK (kind IN ('dx','pcs','cpt','hcpcs')),
    sequence       INTEGER NOT NULL,
    code           TEXT NOT NULL,
    poa            TEXT CHECK (poa IS NULL OR poa IN ('Y','N','U','W','1','')),
    procedure_date TEXT,
    assigned_by    TEXT NOT NULL,
    assigned_at    TEXT NOT NULL,
    UNIQUE (encounter_id, kind, sequence)
) STRICT;

CREATE TABLE release_requests (
    id                INTEGER PRIMARY KEY,
    patient_id        INTEGER NOT NULL REFERENCES patients(id),
    requester_type    TEXT NOT NULL,
    requester_name    TEXT NOT NULL,
    requester_address TEXT NOT NULL DEFAULT '',
    purpose           TEXT NOT NULL DEFAULT '',
    scope             TEXT NOT NULL DEFAULT '{}',   -- JSON: date range, document types, encounters
    delivery          TEXT NOT NULL DEFAULT 'paper',
    received_at       TEXT NOT NULL,
    due_at            TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'logged',
    hold_reason       TEXT,
    authorization     TEXT,                         -- JSON form (164.508(c))
    created_by        TEXT NOT NULL
) STRICT;

-- Accounting of disclosures (45 CFR 164.528). Rows are never deleted; a void appends a row.
CREATE TABLE disclosures (
    id                INTEGER PRIMARY KEY,
    request_id        INTEGER REFERENCES release_requests(id),
    patient_id        INTEGER NOT NULL REFERENCES patients(id),
    disclosed_at      TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    recipient_address TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL,
    purpose           TEXT NOT NULL,
    accountable       INTEGER NOT NULL,
    audit_event_id    TEXT NOT NULL
) STRICT;

-- A claim on a chart or encounter by one user, so two people never work it at once.
CREATE TABLE work_claims (
    entity_type TEXT NOT NULL,
    entity_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    claimed_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (entity_type, entity_id)
) STRICT;

-- The append-only, hash-chained audit log (DOMAIN §6). See src/audit/mod.rs for the
-- canonical encoding. seq is gapless; prev_hash of seq 1 is 64 zeros.
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL,          -- UUID; unique by construction (not indexed: hot path)
    recorded_at    TEXT NOT NULL,
    user_id        INTEGER,
    username       TEXT NOT NULL,
    role           TEXT NOT NULL,
    terminal_id    TEXT NOT NULL,
    action         TEXT NOT NULL CHECK (action IN ('C','R','U','D','E')),
    subtype        TEXT NOT NULL,
    outcome        INTEGER NOT NULL CHECK (outcome IN (0,4,8,12)),
    patient_mrn    TEXT,
    encounter_id   INTEGER,
    entity_type    TEXT NOT NULL,
    entity_id      TEXT NOT NULL,
    purpose_of_use TEXT NOT NULL,
    reason         TEXT,
    detail         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
) STRICT;
CREATE INDEX audit_patient ON audit_log(patient_mrn, seq) WHERE patient_mrn IS NOT NULL;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (AUD-08): UPDATE rejected'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (AUD-08): DELETE rejected'); END;
-- The chain never forks: each new row must follow the current head exactly.
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log)
  OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1),
                                   '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN SELECT RAISE(ABORT, 'audit_log insert does not extend the chain head'); END;
