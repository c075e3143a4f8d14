-- chartdesk schema v5: the coding workbench (DOMAIN §3.5). Documentation queries from coders
-- to providers (COD-21), a work log of coding sessions for throughput and edit rates (§7,
-- COD-22), the principal-procedure flag, and indexes for the coding queue (oldest discharge
-- first, filtered by type or service, keyset-paged on (discharge_at, id)).

-- A documentation query (COD-21): OPEN -> ANSWERED -> CLOSED | EXPIRED. Each query is also a
-- QUERY deficiency (origin 'query') on the technician side; rows are never deleted.
CREATE TABLE coding_queries (
    id            INTEGER PRIMARY KEY,
    encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
    deficiency_id INTEGER REFERENCES deficiencies(id),
    provider_id   INTEGER REFERENCES providers(id),
    question      TEXT NOT NULL CHECK (length(trim(question)) > 0),
    answer        TEXT,
    status        TEXT NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open','answered','closed','expired')),
    asked_by      TEXT NOT NULL,
    asked_at      TEXT NOT NULL,
    due_at        TEXT NOT NULL,              -- asked_at + query_expire_days
    answered_by   TEXT,
    answered_at   TEXT,
    closed_at     TEXT
) STRICT;
CREATE INDEX coding_queries_encounter ON coding_queries(encounter_id, status);
CREATE INDEX coding_queries_open_due ON coding_queries(due_at) WHERE status = 'open';
CREATE INDEX coding_queries_deficiency ON coding_queries(deficiency_id);

-- One coding session of one coder on one encounter: claimed (started) to completed. The
-- source of coder throughput (encounters per hour worked) and edit rates: error edits hit
-- on the way (each save reruns the edits) and warnings acknowledged at completion.
CREATE TABLE coding_work (
    id                 INTEGER PRIMARY KEY,
    encounter_id       INTEGER NOT NULL REFERENCES encounters(id),
    user_id            INTEGER REFERENCES users(id),
    username           TEXT NOT NULL,
    encounter_kind     TEXT NOT NULL,
    started_at         TEXT NOT NULL,
    completed_at       TEXT,
    edits_fired        INTEGER NOT NULL DEFAULT 0,
    error_edits        INTEGER NOT NULL DEFAULT 0,   -- distinct error edits hit while coding
    errors_seen        TEXT NOT NULL DEFAULT '[]',   -- JSON list of those edit keys (ID@CODE)
    edits_acknowledged INTEGER NOT NULL DEFAULT 0,
    acknowledged       TEXT NOT NULL DEFAULT '[]'   -- JSON list of acknowledged warning keys
) STRICT;
CREATE INDEX coding_work_user ON coding_work(username, completed_at);
CREATE INDEX coding_work_open ON coding_work(encounter_id, username) WHERE completed_at IS NULL;

-- ICD-10-PCS principal procedure flag (the sequence keeps the coder's order).
ALTER TABLE encounter_codes ADD COLUMN principal INTEGER NOT NULL DEFAULT 0 CHECK (principal IN (0,1));

-- The coding queue walks encounters_discharge in discharge order and filters status, type
-- and service on the rows (about one in three discharged encounters is in the queue, so a
-- page reads a few hundred rows); the hold check (COD-20) probes the deficiencies'
-- (encounter_id, kind, slot) unique index. No index is added on those paths: every index on
-- encounters or deficiencies is paid by each analysis and import write.
-- Discharge → coded turnaround over a period (DOMAIN §7).
CREATE INDEX encounters_coded_at ON encounters(coded_at) WHERE coded_at IS NOT NULL;
