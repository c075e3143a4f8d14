-- Live HL7 feed (src/listen) and the master patient index (src/mpi).

-- Message control ids a live feed has applied: a message whose sender and MSH-10 are here is
-- acknowledged again and never re-applied. Written in the same transaction as the message's
-- changes. Rows are never deleted.
CREATE TABLE feed_messages (
    control_key    TEXT PRIMARY KEY,          -- MSH-3 | MSH-4 | MSH-10
    content_sha256 TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    peer           TEXT NOT NULL,
    received_at    TEXT NOT NULL             -- UTC ms
) STRICT;

-- A patient merge (ADT A40/A34/A18/A47, FHIR Patient.link replaced-by, or an MPI decision).
-- `moved` is the JSON list of every row that changed patient, so an unmerge restores exactly
-- that. A merge of two records whose birth date or sex disagree is `held` for HIM review.
-- Rows are never deleted; the status moves held -> applied | kept_apart, applied -> unmerged.
CREATE TABLE patient_merges (
    id           INTEGER PRIMARY KEY,
    survivor_id  INTEGER NOT NULL REFERENCES patients(id),
    retired_id   INTEGER NOT NULL REFERENCES patients(id),
    retired_mrn  TEXT NOT NULL,
    origin       TEXT NOT NULL,               -- hl7:ADT^A40, fhir:Patient.link, mpi
    status       TEXT NOT NULL CHECK (status IN ('held','applied','kept_apart','unmerged')),
    moved        TEXT NOT NULL DEFAULT '{}',
    reason       TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   TEXT
) STRICT;
CREATE INDEX patient_merges_retired ON patient_merges(retired_id, status);
CREATE INDEX patient_merges_survivor ON patient_merges(survivor_id, status);

-- MRNs a patient is also known by (the retired MRN of a merge): searchable, shown on the
-- chart. `active` = 0 after an unmerge (the row stays).
CREATE TABLE patient_aliases (
    id         INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    mrn        TEXT NOT NULL,
    merge_id   INTEGER REFERENCES patient_merges(id),
    active     INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX patient_aliases_mrn ON patient_aliases(mrn) WHERE active = 1;
CREATE INDEX patient_aliases_patient ON patient_aliases(patient_id);

-- The HIM MPI queue: identity conflicts (IMP-ID-01), held merges and probable duplicates,
-- each a pair of patients with the evidence; decided merge or keep apart, with a reason.
CREATE TABLE mpi_items (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('identity_conflict','held_merge','duplicate')),
    patient_a   INTEGER NOT NULL REFERENCES patients(id),
    patient_b   INTEGER NOT NULL REFERENCES patients(id),
    weight      REAL,
    detail      TEXT NOT NULL DEFAULT '{}',   -- JSON: agreeing fields, conflict, merge id
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','merged','kept_apart')),
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  TEXT,
    reason      TEXT,
    UNIQUE (kind, patient_a, patient_b)
) STRICT;
CREATE INDEX mpi_items_open ON mpi_items(status, kind);

-- The patient a retired record was merged into (NULL: not merged). Set and cleared only by
-- a merge and its unmerge.
ALTER TABLE patients ADD COLUMN merged_into INTEGER REFERENCES patients(id);
