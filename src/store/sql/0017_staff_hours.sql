-- Issue #15, staff and work (MET-05): productive hours, entered by the user or a supervisor,
-- never inferred from logins (policy). One row per user per facility calendar day; a
-- correction replaces the row and its audit row names the old and new hours. Hours are kept
-- in quarter hours (1..96 = 0.25 h .. 24 h).
CREATE TABLE IF NOT EXISTS staff_hours (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    work_date     TEXT NOT NULL CHECK (work_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    quarter_hours INTEGER NOT NULL CHECK (quarter_hours BETWEEN 1 AND 96),
    entered_by    TEXT NOT NULL,
    entered_at    TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, work_date)
) STRICT;
CREATE INDEX IF NOT EXISTS staff_hours_date ON staff_hours(work_date);
