-- chartdesk migration 0024 (issue #15): maintained charges per (coding status, discharge day)
-- behind the dashboard's DNFB tile and the `dnfb` report as of today (COD-22): DNFB dollars,
-- encounters without charges, and the revenue window's gross charges sum a few thousand
-- counter rows instead of every DNFB encounter. Kept exact by triggers in the same
-- transaction as every change, like `encounter_daily` (0004) and the dash_* tables (0022).
-- Days are stored (discharge days), never ages: ages and buckets are derived at read time.
--
-- encounter_charges_daily: discharged encounters only (in-house ones have no day and count in
-- no DNFB figure) per coding_status and discharge day (date part of discharge_at):
--   n          encounters
--   cents      Σ total_charges_cents (NULL adds 0)
--   uncharged  encounters whose total_charges_cents is NULL

CREATE TABLE IF NOT EXISTS encounter_charges_daily (
    coding_status TEXT NOT NULL,
    day           TEXT NOT NULL,
    n             INTEGER NOT NULL,
    cents         INTEGER NOT NULL,
    uncharged     INTEGER NOT NULL,
    PRIMARY KEY (coding_status, day)
) STRICT, WITHOUT ROWID;

-- Backfill (only when the counters are empty: the migration may run again).
INSERT INTO encounter_charges_daily(coding_status, day, n, cents, uncharged)
SELECT coding_status, substr(discharge_at, 1, 10), count(*),
       COALESCE(sum(total_charges_cents), 0), sum(total_charges_cents IS NULL)
  FROM encounters
 WHERE discharge_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM encounter_charges_daily)
 GROUP BY 1, 2;

CREATE TRIGGER IF NOT EXISTS encounter_charges_ins AFTER INSERT ON encounters
WHEN NEW.discharge_at IS NOT NULL
BEGIN
    INSERT INTO encounter_charges_daily(coding_status, day, n, cents, uncharged)
    VALUES (NEW.coding_status, substr(NEW.discharge_at, 1, 10), 1,
            COALESCE(NEW.total_charges_cents, 0), NEW.total_charges_cents IS NULL)
    ON CONFLICT(coding_status, day) DO UPDATE
       SET n = n + 1, cents = cents + excluded.cents, uncharged = uncharged + excluded.uncharged;
END;

CREATE TRIGGER IF NOT EXISTS encounter_charges_upd
AFTER UPDATE OF coding_status, discharge_at, total_charges_cents ON encounters
WHEN OLD.coding_status IS NOT NEW.coding_status
  OR substr(OLD.discharge_at, 1, 10) IS NOT substr(NEW.discharge_at, 1, 10)
  OR OLD.total_charges_cents IS NOT NEW.total_charges_cents
BEGIN
    UPDATE encounter_charges_daily
       SET n = n - 1, cents = cents - COALESCE(OLD.total_charges_cents, 0),
           uncharged = uncharged - (OLD.total_charges_cents IS NULL)
     WHERE OLD.discharge_at IS NOT NULL
       AND coding_status = OLD.coding_status AND day = substr(OLD.discharge_at, 1, 10);
    INSERT INTO encounter_charges_daily(coding_status, day, n, cents, uncharged)
    SELECT NEW.coding_status, substr(NEW.discharge_at, 1, 10), 1,
           COALESCE(NEW.total_charges_cents, 0), NEW.total_charges_cents IS NULL
     WHERE NEW.discharge_at IS NOT NULL
    ON CONFLICT(coding_status, day) DO UPDATE
       SET n = n + 1, cents = cents + excluded.cents, uncharged = uncharged + excluded.uncharged;
END;

CREATE TRIGGER IF NOT EXISTS encounter_charges_del AFTER DELETE ON encounters
WHEN OLD.discharge_at IS NOT NULL
BEGIN
    UPDATE encounter_charges_daily
       SET n = n - 1, cents = cents - COALESCE(OLD.total_charges_cents, 0),
           uncharged = uncharged - (OLD.total_charges_cents IS NULL)
     WHERE coding_status = OLD.coding_status AND day = substr(OLD.discharge_at, 1, 10);
END;
