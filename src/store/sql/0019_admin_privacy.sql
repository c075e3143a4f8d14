-- Issue #15, supervisor console: privacy flags on patients (AUD-14) and work assigned to users.

-- A patient flagged VIP or EMPLOYEE (workforce): every view of the chart is listed on the
-- unusual-access report. Set and cleared by a supervisor, audited; a cleared flag is deleted
-- here (its audit rows remain).
CREATE TABLE IF NOT EXISTS patient_flags (
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    flag       TEXT NOT NULL CHECK (flag IN ('VIP','EMPLOYEE')),
    set_at     TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    PRIMARY KEY (patient_id, flag)
) STRICT;

-- Work a supervisor assigned to a user: a chart (deficiency work, by encounter), an encounter
-- to code, or a release request. One assignee per item; taking it back deletes the row (the
-- audit keeps both). Assigned work is listed first on that user's queue.
CREATE TABLE IF NOT EXISTS work_assignments (
    kind        TEXT NOT NULL CHECK (kind IN ('chart','coding','request')),
    target_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (kind, target_id)
) STRICT;
CREATE INDEX IF NOT EXISTS work_assignments_user ON work_assignments(user_id, kind);
