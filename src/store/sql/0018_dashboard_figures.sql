-- Issue #15: the supervisor dashboard's stored figures, so that every tile reads in
-- milliseconds at a million encounters.
--
-- dashboard_month_end: the DEL-04 delinquency recount as of each closed month's last day
-- (`report::dashboard::delinquency_as_of`), stored once with the settings it used. A row is
-- used only while its settings (record_delinquent_days, delinquency_avg_months, the cut-over
-- floor) equal the current ones; otherwise the month is recounted. Back-dated data removes
-- the rows it changes: the triggers below delete every stored day whose figure the changed
-- row could move (an encounter discharged on or before that day, a deficiency open on that
-- day before or after the change, an analysis date on or before that day). Ordinary work
-- (analysis today, a deficiency assigned or completed today) moves no closed month and
-- deletes nothing. The rows are a cache: deleting them all only makes the next read slower.
CREATE TABLE IF NOT EXISTS dashboard_month_end (
    day TEXT PRIMARY KEY,
    delinquent INTEGER NOT NULL,
    discharges INTEGER NOT NULL,
    record_delinquent_days INTEGER NOT NULL,
    avg_months INTEGER NOT NULL,
    floor TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    computed_by TEXT NOT NULL
);

-- dashboard_cache: a figure too slow to compute on every read (today: the MPI duplicate
-- rate, MPI-01, seconds at 330k patients), with when and by whom/what it was computed.
CREATE TABLE IF NOT EXISTS dashboard_cache (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    computed_by TEXT NOT NULL,
    seconds REAL NOT NULL DEFAULT 0
);

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_enc_ins AFTER INSERT ON encounters
WHEN NEW.discharge_at IS NOT NULL
BEGIN
    DELETE FROM dashboard_month_end WHERE day >= substr(NEW.discharge_at, 1, 10);
END;

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_enc_del AFTER DELETE ON encounters
WHEN OLD.discharge_at IS NOT NULL
BEGIN
    DELETE FROM dashboard_month_end WHERE day >= substr(OLD.discharge_at, 1, 10);
END;

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_enc_upd
AFTER UPDATE OF discharge_at, analyzed_at, him_status ON encounters
BEGIN
    DELETE FROM dashboard_month_end
     WHERE (OLD.discharge_at IS NOT NEW.discharge_at
            AND (day >= substr(OLD.discharge_at, 1, 10) OR day >= substr(NEW.discharge_at, 1, 10)))
        OR (day >= substr(NEW.discharge_at, 1, 10)
            AND COALESCE((OLD.analyzed_at IS NULL AND OLD.him_status = 'awaiting_analysis')
                         OR OLD.analyzed_at > day || '~', 0)
             <> COALESCE((NEW.analyzed_at IS NULL AND NEW.him_status = 'awaiting_analysis')
                         OR NEW.analyzed_at > day || '~', 0));
END;

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_def_ins AFTER INSERT ON deficiencies
WHEN NEW.status <> 'void'
BEGIN
    DELETE FROM dashboard_month_end
     WHERE NEW.assigned_at < day || '~' AND (NEW.closed_at IS NULL OR NEW.closed_at > day || '~');
END;

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_def_del AFTER DELETE ON deficiencies
WHEN OLD.status <> 'void'
BEGIN
    DELETE FROM dashboard_month_end
     WHERE OLD.assigned_at < day || '~' AND (OLD.closed_at IS NULL OR OLD.closed_at > day || '~');
END;

CREATE TRIGGER IF NOT EXISTS dashboard_month_end_def_upd
AFTER UPDATE OF status, assigned_at, closed_at, encounter_id ON deficiencies
BEGIN
    DELETE FROM dashboard_month_end
     WHERE OLD.encounter_id IS NOT NEW.encounter_id
        OR COALESCE(OLD.status <> 'void' AND OLD.assigned_at < day || '~'
                    AND (OLD.closed_at IS NULL OR OLD.closed_at > day || '~'), 0)
        <> COALESCE(NEW.status <> 'void' AND NEW.assigned_at < day || '~'
                    AND (NEW.closed_at IS NULL OR NEW.closed_at > day || '~'), 0);
END;

-- Covering indexes for the dashboard's tiles (issue #15): the coding tile's queue count
-- probes an encounter's open deficiencies by kind, and its holds group open deficiencies by
-- kind and rule with their encounter; the aging tile's providers read open deficiencies per
-- provider with their encounter's discharge; the DNFB tile sums charges of the DNFB
-- encounters and of the last 90 days' discharges — each answered from an index, not the rows.
CREATE INDEX IF NOT EXISTS deficiencies_open_encounter ON deficiencies(encounter_id, kind, rule)
    WHERE status NOT IN ('completed','waived','void');
CREATE INDEX IF NOT EXISTS deficiencies_open_kind_rule ON deficiencies(kind, rule, encounter_id)
    WHERE status NOT IN ('completed','waived','void');
CREATE INDEX IF NOT EXISTS encounters_id_discharge ON encounters(id, discharge_at, coding_status);
CREATE INDEX IF NOT EXISTS deficiencies_open_provider_enc ON deficiencies(provider_id, assigned_at, encounter_id)
    WHERE status NOT IN ('completed','waived','void');
CREATE INDEX IF NOT EXISTS encounters_coding_charges ON encounters(coding_status, discharge_at, total_charges_cents);
CREATE INDEX IF NOT EXISTS encounters_discharge_charges ON encounters(discharge_at, total_charges_cents)
    WHERE discharge_at IS NOT NULL;
