-- chartdesk migration 0022 (issue #15): maintained counters behind the dashboard's aging /
-- top-providers tile (DEL-02, DEL-03) and coding tile (COD-20), kept exact by triggers in the
-- same transaction as every change, like `encounter_daily` (0004) and
-- `deficiency_open_daily` (0001). The tiles sum a few small tables instead of scanning open
-- deficiencies. Days are stored (never buckets or ages: those change daily).
--
-- dash_open         open deficiencies per (encounter, provider, kind, rule, assigned day):
--                   the per-encounter helper every small counter is derived from (its rows
--                   are looked up by the encounter's primary-key prefix only).
-- dash_provider_day open deficiencies per (provider, discharge day, assigned day).
-- dash_provider_enc encounters with >= 1 open deficiency of the provider, per discharge day.
-- dash_hold_reason  coding-eligible encounters (ready/in_progress, discharged) with >= 1 open
--                   deficiency of (kind, rule).
-- dash_coding_held  coding-eligible encounters held under each COD-20 policy (CRITICAL:
--                   MISS_DS, MISS_OP, MISS_HP — `coding::hold::CRITICAL_KINDS`; ALL: any kind
--                   but QUERY).
-- provider_key is the provider id, 0 for an unassigned deficiency; a discharge day is the
-- date part of discharge_at, '' while in house.

CREATE TABLE IF NOT EXISTS dash_open (
    encounter_id INTEGER NOT NULL,
    provider_key INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    rule         TEXT NOT NULL,
    aday         TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (encounter_id, provider_key, kind, rule, aday)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dash_provider_day (
    provider_key INTEGER NOT NULL,
    dday         TEXT NOT NULL,
    aday         TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (provider_key, dday, aday)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dash_provider_enc (
    provider_key INTEGER NOT NULL,
    dday         TEXT NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (provider_key, dday)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dash_hold_reason (
    kind TEXT NOT NULL,
    rule TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, rule)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS dash_coding_held (
    policy TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Backfill (only when the counters are empty: the migration may run again).
INSERT INTO dash_open(encounter_id, provider_key, kind, rule, aday, n)
SELECT encounter_id, COALESCE(provider_id, 0), kind, rule, substr(assigned_at, 1, 10), count(*)
  FROM deficiencies
 WHERE status NOT IN ('completed','waived','void')
   AND NOT EXISTS (SELECT 1 FROM dash_open)
 GROUP BY 1, 2, 3, 4, 5;

INSERT INTO dash_provider_day(provider_key, dday, aday, n)
SELECT o.provider_key, COALESCE(substr(e.discharge_at, 1, 10), ''), o.aday, sum(o.n)
  FROM dash_open o JOIN encounters e ON e.id = o.encounter_id
 WHERE NOT EXISTS (SELECT 1 FROM dash_provider_day)
 GROUP BY 1, 2, 3;

INSERT INTO dash_provider_enc(provider_key, dday, n)
SELECT o.provider_key, COALESCE(substr(e.discharge_at, 1, 10), ''), count(DISTINCT o.encounter_id)
  FROM dash_open o JOIN encounters e ON e.id = o.encounter_id
 WHERE NOT EXISTS (SELECT 1 FROM dash_provider_enc)
 GROUP BY 1, 2;

INSERT INTO dash_hold_reason(kind, rule, n)
SELECT o.kind, o.rule, count(DISTINCT o.encounter_id)
  FROM dash_open o JOIN encounters e ON e.id = o.encounter_id
 WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM dash_hold_reason)
 GROUP BY 1, 2;

INSERT INTO dash_coding_held(policy, n)
SELECT 'CRITICAL', count(DISTINCT o.encounter_id)
  FROM dash_open o JOIN encounters e ON e.id = o.encounter_id
 WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
   AND o.kind IN ('MISS_DS','MISS_OP','MISS_HP')
ON CONFLICT(policy) DO NOTHING;

INSERT INTO dash_coding_held(policy, n)
SELECT 'ALL', count(DISTINCT o.encounter_id)
  FROM dash_open o JOIN encounters e ON e.id = o.encounter_id
 WHERE e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
   AND o.kind <> 'QUERY'
ON CONFLICT(policy) DO NOTHING;

-- The coding tile's pending-waiver count (DEF-03) and the waiver worklist read only the
-- waivers waiting for a supervisor (a handful), not every deficiency.
CREATE INDEX IF NOT EXISTS deficiencies_waive_pending ON deficiencies(waive_pending, assigned_at, id)
    WHERE waive_pending = 1 AND status NOT IN ('completed','waived','void');

-- Deficiencies → dash_open.
CREATE TRIGGER IF NOT EXISTS dash_def_ins AFTER INSERT ON deficiencies
WHEN NEW.status NOT IN ('completed','waived','void')
BEGIN
    INSERT INTO dash_open(encounter_id, provider_key, kind, rule, aday, n)
    VALUES (NEW.encounter_id, COALESCE(NEW.provider_id, 0), NEW.kind, NEW.rule, substr(NEW.assigned_at, 1, 10), 1)
    ON CONFLICT(encounter_id, provider_key, kind, rule, aday) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS dash_def_upd
AFTER UPDATE OF status, kind, rule, assigned_at, provider_id, encounter_id ON deficiencies
WHEN (OLD.status NOT IN ('completed','waived','void')) <> (NEW.status NOT IN ('completed','waived','void'))
  OR OLD.kind IS NOT NEW.kind OR OLD.rule IS NOT NEW.rule
  OR substr(OLD.assigned_at, 1, 10) IS NOT substr(NEW.assigned_at, 1, 10)
  OR OLD.provider_id IS NOT NEW.provider_id OR OLD.encounter_id IS NOT NEW.encounter_id
BEGIN
    UPDATE dash_open SET n = n - 1
     WHERE OLD.status NOT IN ('completed','waived','void')
       AND encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10);
    DELETE FROM dash_open
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10) AND n <= 0;
    INSERT INTO dash_open(encounter_id, provider_key, kind, rule, aday, n)
    SELECT NEW.encounter_id, COALESCE(NEW.provider_id, 0), NEW.kind, NEW.rule, substr(NEW.assigned_at, 1, 10), 1
     WHERE NEW.status NOT IN ('completed','waived','void')
    ON CONFLICT(encounter_id, provider_key, kind, rule, aday) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS dash_def_del AFTER DELETE ON deficiencies
WHEN OLD.status NOT IN ('completed','waived','void')
BEGIN
    UPDATE dash_open SET n = n - 1
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10);
    DELETE FROM dash_open
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10) AND n <= 0;
END;

-- dash_open → the small counters. A row appears when its first open deficiency does and
-- goes when its last closes; n changes in between.
CREATE TRIGGER IF NOT EXISTS dash_open_ins AFTER INSERT ON dash_open
BEGIN
    INSERT INTO dash_provider_day(provider_key, dday, aday, n)
    SELECT NEW.provider_key, COALESCE(substr(e.discharge_at, 1, 10), ''), NEW.aday, NEW.n
      FROM encounters e WHERE e.id = NEW.encounter_id
    ON CONFLICT(provider_key, dday, aday) DO UPDATE SET n = n + excluded.n;
    INSERT INTO dash_provider_enc(provider_key, dday, n)
    SELECT NEW.provider_key, COALESCE(substr(e.discharge_at, 1, 10), ''), 1
      FROM encounters e WHERE e.id = NEW.encounter_id
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.encounter_id
                         AND o.provider_key = NEW.provider_key
                         AND NOT (o.kind = NEW.kind AND o.rule = NEW.rule AND o.aday = NEW.aday))
    ON CONFLICT(provider_key, dday) DO UPDATE SET n = n + 1;
    INSERT INTO dash_hold_reason(kind, rule, n)
    SELECT NEW.kind, NEW.rule, 1
      FROM encounters e WHERE e.id = NEW.encounter_id
       AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.encounter_id
                         AND o.kind = NEW.kind AND o.rule = NEW.rule
                         AND NOT (o.provider_key = NEW.provider_key AND o.aday = NEW.aday))
    ON CONFLICT(kind, rule) DO UPDATE SET n = n + 1;
    UPDATE dash_coding_held SET n = n + 1
     WHERE policy = 'CRITICAL' AND NEW.kind IN ('MISS_DS','MISS_OP','MISS_HP')
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = NEW.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.encounter_id
                         AND o.kind IN ('MISS_DS','MISS_OP','MISS_HP')
                         AND NOT (o.provider_key = NEW.provider_key AND o.kind = NEW.kind
                                  AND o.rule = NEW.rule AND o.aday = NEW.aday));
    UPDATE dash_coding_held SET n = n + 1
     WHERE policy = 'ALL' AND NEW.kind <> 'QUERY'
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = NEW.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.encounter_id
                         AND o.kind <> 'QUERY'
                         AND NOT (o.provider_key = NEW.provider_key AND o.kind = NEW.kind
                                  AND o.rule = NEW.rule AND o.aday = NEW.aday));
END;

CREATE TRIGGER IF NOT EXISTS dash_open_upd AFTER UPDATE OF n ON dash_open
WHEN OLD.n <> NEW.n
BEGIN
    UPDATE dash_provider_day SET n = n + NEW.n - OLD.n
     WHERE provider_key = NEW.provider_key AND aday = NEW.aday
       AND dday = (SELECT COALESCE(substr(e.discharge_at, 1, 10), '') FROM encounters e WHERE e.id = NEW.encounter_id);
END;

CREATE TRIGGER IF NOT EXISTS dash_open_del AFTER DELETE ON dash_open
BEGIN
    UPDATE dash_provider_day SET n = n - OLD.n
     WHERE provider_key = OLD.provider_key AND aday = OLD.aday
       AND dday = (SELECT COALESCE(substr(e.discharge_at, 1, 10), '') FROM encounters e WHERE e.id = OLD.encounter_id);
    UPDATE dash_provider_enc SET n = n - 1
     WHERE provider_key = OLD.provider_key
       AND dday = (SELECT COALESCE(substr(e.discharge_at, 1, 10), '') FROM encounters e WHERE e.id = OLD.encounter_id)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.encounter_id
                         AND o.provider_key = OLD.provider_key);
    UPDATE dash_hold_reason SET n = n - 1
     WHERE kind = OLD.kind AND rule = OLD.rule
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = OLD.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.encounter_id
                         AND o.kind = OLD.kind AND o.rule = OLD.rule);
    UPDATE dash_coding_held SET n = n - 1
     WHERE policy = 'CRITICAL' AND OLD.kind IN ('MISS_DS','MISS_OP','MISS_HP')
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = OLD.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.encounter_id
                         AND o.kind IN ('MISS_DS','MISS_OP','MISS_HP'));
    UPDATE dash_coding_held SET n = n - 1
     WHERE policy = 'ALL' AND OLD.kind <> 'QUERY'
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = OLD.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.encounter_id
                         AND o.kind <> 'QUERY');
    DELETE FROM dash_provider_day
     WHERE provider_key = OLD.provider_key AND aday = OLD.aday AND n <= 0;
    DELETE FROM dash_provider_enc WHERE provider_key = OLD.provider_key AND n <= 0;
END;

-- Encounters: a discharge day change moves the encounter's provider counts; a change of
-- coding eligibility (ready/in_progress and discharged) adds or takes away its holds.
CREATE TRIGGER IF NOT EXISTS dash_enc_dday AFTER UPDATE OF discharge_at ON encounters
WHEN COALESCE(substr(OLD.discharge_at, 1, 10), '') <> COALESCE(substr(NEW.discharge_at, 1, 10), '')
BEGIN
    UPDATE dash_provider_day
       SET n = n - (SELECT sum(o.n) FROM dash_open o WHERE o.encounter_id = OLD.id
                      AND o.provider_key = dash_provider_day.provider_key AND o.aday = dash_provider_day.aday)
     WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '')
       AND (provider_key, aday) IN (SELECT provider_key, aday FROM dash_open WHERE encounter_id = OLD.id);
    INSERT INTO dash_provider_day(provider_key, dday, aday, n)
    SELECT provider_key, COALESCE(substr(NEW.discharge_at, 1, 10), ''), aday, sum(n)
      FROM dash_open WHERE encounter_id = NEW.id GROUP BY provider_key, aday
    ON CONFLICT(provider_key, dday, aday) DO UPDATE SET n = n + excluded.n;
    UPDATE dash_provider_enc SET n = n - 1
     WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '')
       AND provider_key IN (SELECT provider_key FROM dash_open WHERE encounter_id = OLD.id);
    INSERT INTO dash_provider_enc(provider_key, dday, n)
    SELECT DISTINCT provider_key, COALESCE(substr(NEW.discharge_at, 1, 10), ''), 1
      FROM dash_open WHERE encounter_id = NEW.id
    ON CONFLICT(provider_key, dday) DO UPDATE SET n = n + 1;
    DELETE FROM dash_provider_day WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '') AND n <= 0
       AND provider_key IN (SELECT provider_key FROM dash_open WHERE encounter_id = OLD.id);
    DELETE FROM dash_provider_enc WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '') AND n <= 0
       AND provider_key IN (SELECT provider_key FROM dash_open WHERE encounter_id = OLD.id);
END;

CREATE TRIGGER IF NOT EXISTS dash_enc_eligible AFTER UPDATE OF coding_status, discharge_at ON encounters
WHEN (OLD.coding_status IN ('ready','in_progress') AND OLD.discharge_at IS NOT NULL)
  <> (NEW.coding_status IN ('ready','in_progress') AND NEW.discharge_at IS NOT NULL)
BEGIN
    INSERT INTO dash_hold_reason(kind, rule, n)
    SELECT DISTINCT kind, rule,
           CASE WHEN NEW.coding_status IN ('ready','in_progress') AND NEW.discharge_at IS NOT NULL THEN 1 ELSE -1 END
      FROM dash_open WHERE encounter_id = NEW.id
    ON CONFLICT(kind, rule) DO UPDATE SET n = n + excluded.n;
    UPDATE dash_coding_held
       SET n = n + CASE WHEN NEW.coding_status IN ('ready','in_progress') AND NEW.discharge_at IS NOT NULL THEN 1 ELSE -1 END
     WHERE policy = 'CRITICAL'
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.id
                     AND o.kind IN ('MISS_DS','MISS_OP','MISS_HP'));
    UPDATE dash_coding_held
       SET n = n + CASE WHEN NEW.coding_status IN ('ready','in_progress') AND NEW.discharge_at IS NOT NULL THEN 1 ELSE -1 END
     WHERE policy = 'ALL'
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.id AND o.kind <> 'QUERY');
END;

-- An encounter's deletion first takes its open deficiencies out of every counter (while its
-- discharge day and coding status can still be read).
CREATE TRIGGER IF NOT EXISTS dash_enc_del BEFORE DELETE ON encounters
BEGIN
    DELETE FROM dash_open WHERE encounter_id = OLD.id;
END;

-- The aging counters of 0001 (`deficiency_open_daily`) had no trigger for a deleted
-- deficiency: one is added here so they stay exact under every change.
CREATE TRIGGER IF NOT EXISTS deficiency_open_del AFTER DELETE ON deficiencies
WHEN OLD.status NOT IN ('completed','waived','void')
BEGIN
    UPDATE deficiency_open_daily SET n = n - 1
     WHERE kind = OLD.kind AND day = substr(OLD.assigned_at, 1, 10);
END;
