-- 0014: each audit row carries its canonical bytes (AUD-01) in a STORED generated column, so
-- `audit verify` is a sequential scan + SHA-256. The column is computed by SQLite from the row's
-- own columns, so no SQL write can change a column without changing `canon` (and so its hash);
-- verify checks this table's SQL exactly as it checks the trigger SQL. Existing rows are
-- back-filled by the rebuild below.
DROP TRIGGER IF EXISTS audit_log_no_update;
DROP TRIGGER IF EXISTS audit_log_no_delete;
DROP TRIGGER IF EXISTS audit_log_chain;
DROP INDEX IF EXISTS audit_patient;
ALTER TABLE audit_log RENAME TO audit_log_v14;
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    event_id       TEXT NOT NULL,
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
    hash           TEXT NOT NULL,
    canon          TEXT NOT NULL GENERATED ALWAYS AS ('{"seq":' || seq || ',"event_id":' || json_quote(event_id) || ',"recorded_at":' || json_quote(recorded_at) || ',"user_id":' || json_quote(user_id) || ',"username":' || json_quote(username) || ',"role":' || json_quote(role) || ',"terminal_id":' || json_quote(terminal_id) || ',"action":' || json_quote(action) || ',"subtype":' || json_quote(subtype) || ',"outcome":' || outcome || ',"patient_mrn":' || json_quote(patient_mrn) || ',"encounter_id":' || json_quote(encounter_id) || ',"entity_type":' || json_quote(entity_type) || ',"entity_id":' || json_quote(entity_id) || ',"purpose_of_use":' || json_quote(purpose_of_use) || ',"reason":' || json_quote(reason) || ',"detail":' || detail || '}') STORED
) STRICT;
INSERT INTO audit_log (seq, event_id, recorded_at, user_id, username, role, terminal_id, action,
    subtype, outcome, patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason,
    detail, prev_hash, hash)
SELECT seq, event_id, recorded_at, user_id, username, role, terminal_id, action, subtype, outcome,
    patient_mrn, encounter_id, entity_type, entity_id, purpose_of_use, reason, detail, prev_hash,
    hash
FROM audit_log_v14 ORDER BY seq;
DROP TABLE audit_log_v14;
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
