-- chartdesk schema: optimistic versions on every record a form edits (two users, one
-- request: a stale write is refused, src/store/version.rs), the requester address book
-- (fast ROI intake) and manual disclosure entries (a disclosure made outside the desk).
--
-- Invariant: `version` goes up by one on every write to the row (and, for a release request,
-- on every write to its documents or holds), whoever writes it: triggers do it, so no write
-- path can forget. The claim mechanism for charts and encounters (work_claims) is unchanged.

ALTER TABLE release_requests ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE settings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE aod_requests ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TRIGGER release_requests_version AFTER UPDATE ON release_requests
WHEN NEW.version = OLD.version
BEGIN UPDATE release_requests SET version = OLD.version + 1 WHERE id = NEW.id; END;

-- The document selection and the hold periods are part of the request a user edits.
CREATE TRIGGER release_items_version_ins AFTER INSERT ON release_items
BEGIN UPDATE release_requests SET version = version + 1 WHERE id = NEW.request_id; END;
CREATE TRIGGER release_items_version_upd AFTER UPDATE ON release_items
BEGIN UPDATE release_requests SET version = version + 1 WHERE id = NEW.request_id; END;
CREATE TRIGGER release_holds_version_ins AFTER INSERT ON release_holds
BEGIN UPDATE release_requests SET version = version + 1 WHERE id = NEW.request_id; END;

-- Login bookkeeping (failed_logins, last_login_at) is not an edit of the user record.
CREATE TRIGGER users_version AFTER UPDATE OF username, full_name, role, password_hash, disabled, locked ON users
WHEN NEW.version = OLD.version
BEGIN UPDATE users SET version = OLD.version + 1 WHERE id = NEW.id; END;

CREATE TRIGGER settings_version AFTER UPDATE ON settings
WHEN NEW.version = OLD.version
BEGIN UPDATE settings SET version = OLD.version + 1 WHERE key = NEW.key; END;

CREATE TRIGGER aod_requests_version AFTER UPDATE ON aod_requests
WHEN NEW.version = OLD.version
BEGIN UPDATE aod_requests SET version = OLD.version + 1 WHERE id = NEW.id; END;

-- Requesters the desk has seen before (attorneys, insurers, agencies): picked by typing at
-- intake. Rows are never deleted; `active = 0` retires one.
CREATE TABLE requester_book (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    address        TEXT NOT NULL DEFAULT '',
    requester_type TEXT NOT NULL,                 -- DOMAIN 4.2 code
    fee_class      TEXT NOT NULL,                 -- ROI-04: ACCESS_LIMITED | NO_FEE | STATE_SCHEDULE
    delivery       TEXT NOT NULL DEFAULT 'electronic',
    verification   TEXT NOT NULL DEFAULT '',      -- ROI-07: how identity/authority was verified before
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0,1)),
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX requester_book_name ON requester_book(name COLLATE NOCASE);
CREATE TRIGGER requester_book_version AFTER UPDATE ON requester_book
WHEN NEW.version = OLD.version
BEGIN UPDATE requester_book SET version = OLD.version + 1 WHERE id = NEW.id; END;

-- A disclosure made outside the desk (e.g. a public-health report by clinical staff) is
-- entered by hand: `source = 'manual'`, its legal basis and who entered it. It feeds the
-- accounting like any release (AOD-02 decides whether it is accountable).
ALTER TABLE disclosures ADD COLUMN source TEXT NOT NULL DEFAULT 'release';
ALTER TABLE disclosures ADD COLUMN legal_basis TEXT;
ALTER TABLE disclosures ADD COLUMN entered_by TEXT;
