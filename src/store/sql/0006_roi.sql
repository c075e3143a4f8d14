-- chartdesk schema: release of information lifecycle (DOMAIN §4.5) and accounting of
-- disclosures (§5). Extends release_requests and disclosures from 0001; numbered 0006 because
-- 0005 belongs to the coding branch (the lead orders them at merge).
-- Statuses are stored lower case: logged, validating, on_hold, in_process, qa_review,
-- released, denied, closed, cancelled. Rows are never deleted.

ALTER TABLE release_requests ADD COLUMN conditions TEXT NOT NULL DEFAULT '{}';   -- JSON §4.2 conditions
ALTER TABLE release_requests ADD COLUMN verification_method TEXT;                -- ROI-07
ALTER TABLE release_requests ADD COLUMN verified_by TEXT;
ALTER TABLE release_requests ADD COLUMN ext_days INTEGER;                        -- ROI-01 extension
ALTER TABLE release_requests ADD COLUMN ext_reason TEXT;
ALTER TABLE release_requests ADD COLUMN ext_notice_date TEXT;
ALTER TABLE release_requests ADD COLUMN deny_reason TEXT;                        -- ROI-05 DENY_*
ALTER TABLE release_requests ADD COLUMN deny_professional TEXT;                  -- reviewable: who determined
ALTER TABLE release_requests ADD COLUMN deny_review TEXT;                        -- upheld | reversed
ALTER TABLE release_requests ADD COLUMN deny_reviewer TEXT;                      -- another professional
ALTER TABLE release_requests ADD COLUMN deny_reviewed_at TEXT;
ALTER TABLE release_requests ADD COLUMN prepared_by TEXT;                        -- releaser (submits to QA)
ALTER TABLE release_requests ADD COLUMN qa_user TEXT;                            -- QA reviewer, never the releaser
ALTER TABLE release_requests ADD COLUMN qa_at TEXT;
ALTER TABLE release_requests ADD COLUMN released_by TEXT;
ALTER TABLE release_requests ADD COLUMN released_at TEXT;
ALTER TABLE release_requests ADD COLUMN closed_at TEXT;
ALTER TABLE release_requests ADD COLUMN pages INTEGER;
ALTER TABLE release_requests ADD COLUMN invoice_cents INTEGER;
ALTER TABLE release_requests ADD COLUMN invoice_method TEXT;
ALTER TABLE release_requests ADD COLUMN paid_at TEXT;
ALTER TABLE release_requests ADD COLUMN packet_sha256 TEXT;                      -- manifest.json checksum
CREATE INDEX release_requests_status ON release_requests(status, due_at);
CREATE INDEX release_requests_patient ON release_requests(patient_id, received_at);

-- Every status change, with its reason (hold/deny codes) and who made it.
CREATE TABLE release_request_history (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES release_requests(id),
    at         TEXT NOT NULL,            -- UTC ms
    from_status TEXT,
    to_status  TEXT NOT NULL,
    reason     TEXT,
    username   TEXT NOT NULL
) STRICT;
CREATE INDEX release_request_history_req ON release_request_history(request_id, id);

-- Periods on hold, [from_date, until_date) facility-local dates; until NULL while on hold (ROI-02).
CREATE TABLE release_holds (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES release_requests(id),
    reason     TEXT NOT NULL,
    from_date  TEXT NOT NULL,
    until_date TEXT
) STRICT;
CREATE INDEX release_holds_req ON release_holds(request_id);

-- The documents considered for a request: minimum-necessary default = requested range and
-- types; `included = 0` with a reason when the specialist leaves one out.
CREATE TABLE release_items (
    request_id  INTEGER NOT NULL REFERENCES release_requests(id),
    document_id INTEGER NOT NULL REFERENCES documents(id),
    included    INTEGER NOT NULL DEFAULT 1 CHECK (included IN (0,1)),
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (request_id, document_id)
) STRICT, WITHOUT ROWID;

-- Disclosure facts the AOD-02 exclusion rules need.
ALTER TABLE disclosures ADD COLUMN purpose_code TEXT NOT NULL DEFAULT 'OTHER';    -- DisclosurePurpose
ALTER TABLE disclosures ADD COLUMN requester_type TEXT;
ALTER TABLE disclosures ADD COLUMN conditions TEXT NOT NULL DEFAULT '{}';
ALTER TABLE disclosures ADD COLUMN part2 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE disclosures ADD COLUMN document_ids TEXT NOT NULL DEFAULT '';         -- comma-separated
CREATE INDEX disclosures_patient ON disclosures(patient_id, disclosed_at);

-- Requests for an accounting of disclosures (AOD-05): received → in_process → (extended) → provided.
CREATE TABLE aod_requests (
    id              INTEGER PRIMARY KEY,
    patient_id      INTEGER NOT NULL REFERENCES patients(id),
    received_date   TEXT NOT NULL,
    requested_from  TEXT,
    due_date        TEXT NOT NULL,
    ext_days        INTEGER,
    ext_reason      TEXT,
    ext_notice_date TEXT,
    status          TEXT NOT NULL DEFAULT 'received'
                    CHECK (status IN ('received','in_process','extended','provided')),
    provided_at     TEXT,
    fee_cents       INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT NOT NULL,
    provided_by     TEXT,
    provided_content TEXT                 -- AOD-07: the accounting as provided (JSON)
) STRICT;
CREATE INDEX aod_requests_patient ON aod_requests(patient_id, received_date);

-- AOD-06 suspensions of the right to an accounting of disclosures to an agency.
CREATE TABLE aod_suspensions (
    id         INTEGER PRIMARY KEY,
    agency     TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    written    INTEGER NOT NULL CHECK (written IN (0,1)),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
