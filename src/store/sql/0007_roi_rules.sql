-- chartdesk schema: ROI rules, part 2 (issue #11). Numbered 0007 on the roi-rules branch (the
-- lead orders migrations at merge). Rows are never deleted.

-- Per-document denial (ROI-05, 164.524(d)(1): give access to the rest) and its review, and the
-- acknowledgement that an incomplete or unsigned document is released as it stands.
ALTER TABLE release_items ADD COLUMN denied_code TEXT;             -- DENY_* code
ALTER TABLE release_items ADD COLUMN denied_note TEXT;
ALTER TABLE release_items ADD COLUMN denied_professional TEXT;     -- reviewable: who determined
ALTER TABLE release_items ADD COLUMN denied_by TEXT;
ALTER TABLE release_items ADD COLUMN denied_at TEXT;
ALTER TABLE release_items ADD COLUMN denied_review TEXT;           -- upheld | reversed
ALTER TABLE release_items ADD COLUMN denied_reviewer TEXT;
ALTER TABLE release_items ADD COLUMN denied_reviewed_at TEXT;
ALTER TABLE release_items ADD COLUMN incomplete_ack_by TEXT;       -- released as it stands
ALTER TABLE release_items ADD COLUMN incomplete_ack_at TEXT;
ALTER TABLE release_items ADD COLUMN incomplete_ack_note TEXT;

-- Whole-request denial note; refusal of a third-party request lists its defects (JSON).
ALTER TABLE release_requests ADD COLUMN deny_note TEXT;
ALTER TABLE release_requests ADD COLUMN deny_defects TEXT;
-- LTR-02 fee estimate: a payment is recorded only against an estimate or an invoice.
ALTER TABLE release_requests ADD COLUMN estimate_cents INTEGER;
ALTER TABLE release_requests ADD COLUMN estimate_pages INTEGER;
ALTER TABLE release_requests ADD COLUMN estimate_method TEXT;
ALTER TABLE release_requests ADD COLUMN estimate_at TEXT;

-- Payments (amount and method), each against the estimate or the invoice.
CREATE TABLE release_payments (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES release_requests(id),
    paid_at    TEXT NOT NULL,                 -- UTC ms
    cents      INTEGER NOT NULL CHECK (cents > 0),
    method     TEXT NOT NULL,
    against    TEXT NOT NULL CHECK (against IN ('estimate','invoice')),
    username   TEXT NOT NULL
) STRICT;
CREATE INDEX release_payments_req ON release_payments(request_id);

-- AOD-06: a suspension is tied to the agency's request record (OVERSIGHT or LAW_ENF), never
-- matched on a typed name. Rows recorded before this migration have no request and suspend
-- nothing.
ALTER TABLE aod_suspensions ADD COLUMN request_id INTEGER REFERENCES release_requests(id);
CREATE INDEX aod_suspensions_request ON aod_suspensions(request_id);
