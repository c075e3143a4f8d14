-- Command-line sessions (AUD-10): `chartdesk login` leaves a random token in a 0600 file; the
-- database keeps only its SHA-256, bound to the OS uid (from the kernel) and the terminal.
-- A session row is deleted at logout or when found expired; the audit log keeps the history.
CREATE TABLE cli_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    os_uid       INTEGER NOT NULL,
    terminal     TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
) WITHOUT ROWID;

-- Per-database secret keying the hash of an unknown user name in a failed login (AUD-12):
-- repeated attempts correlate, the typed text (maybe a password) is never stored.
INSERT OR IGNORE INTO chartdesk_meta(key, value) VALUES ('login_hmac_key', lower(hex(randomblob(32))));
