-- 0025: the counter triggers, same logic, without temporary b-trees (issue #18, the MLLP
-- listener's writer).
--
-- SQLite evaluates `x IN ('a','b','c')` (three or more constants) and `x IN (SELECT …)` through
-- an ephemeral b-tree, built at the statement's first use of it — and inside a trigger that
-- is every time the trigger fires: a pager and page cache opened and torn down per row. That
-- was about 9 % of the live feed's writer time (perf, `bench --only hl7-paced`). Each trigger
-- below is the one of 0001/0022 with `x NOT IN (…)` written `x <> … AND x <> …`, `x IN (…)`
-- written `x = … OR x = …` (the same three-valued result, NULL included) and, in
-- dash_enc_dday, `(k, d) IN (SELECT …)` written as the equivalent correlated EXISTS. Two-item
-- lists stay: SQLite already compares those directly. Re-runnable (DROP … IF EXISTS).

DROP TRIGGER IF EXISTS deficiency_open_ins;
CREATE TRIGGER deficiency_open_ins AFTER INSERT ON deficiencies
WHEN (NEW.status <> 'completed' AND NEW.status <> 'waived' AND NEW.status <> 'void')
BEGIN
    INSERT INTO deficiency_open_daily(kind, day, n) VALUES (NEW.kind, substr(NEW.assigned_at, 1, 10), 1)
    ON CONFLICT(kind, day) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER IF EXISTS deficiency_open_upd;
CREATE TRIGGER deficiency_open_upd AFTER UPDATE OF status, kind, assigned_at ON deficiencies
BEGIN
    UPDATE deficiency_open_daily SET n = n - 1
     WHERE (OLD.status <> 'completed' AND OLD.status <> 'waived' AND OLD.status <> 'void') AND kind = OLD.kind AND day = substr(OLD.assigned_at, 1, 10);
    INSERT INTO deficiency_open_daily(kind, day, n)
    SELECT NEW.kind, substr(NEW.assigned_at, 1, 10), 1 WHERE (NEW.status <> 'completed' AND NEW.status <> 'waived' AND NEW.status <> 'void')
    ON CONFLICT(kind, day) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER IF EXISTS dash_def_ins;
CREATE TRIGGER dash_def_ins AFTER INSERT ON deficiencies
WHEN (NEW.status <> 'completed' AND NEW.status <> 'waived' AND NEW.status <> 'void')
BEGIN
    INSERT INTO dash_open(encounter_id, provider_key, kind, rule, aday, n)
    VALUES (NEW.encounter_id, COALESCE(NEW.provider_id, 0), NEW.kind, NEW.rule, substr(NEW.assigned_at, 1, 10), 1)
    ON CONFLICT(encounter_id, provider_key, kind, rule, aday) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER IF EXISTS dash_def_upd;
CREATE TRIGGER dash_def_upd
AFTER UPDATE OF status, kind, rule, assigned_at, provider_id, encounter_id ON deficiencies
WHEN ((OLD.status <> 'completed' AND OLD.status <> 'waived' AND OLD.status <> 'void')) <> ((NEW.status <> 'completed' AND NEW.status <> 'waived' AND NEW.status <> 'void'))
  OR OLD.kind IS NOT NEW.kind OR OLD.rule IS NOT NEW.rule
  OR substr(OLD.assigned_at, 1, 10) IS NOT substr(NEW.assigned_at, 1, 10)
  OR OLD.provider_id IS NOT NEW.provider_id OR OLD.encounter_id IS NOT NEW.encounter_id
BEGIN
    UPDATE dash_open SET n = n - 1
     WHERE (OLD.status <> 'completed' AND OLD.status <> 'waived' AND OLD.status <> 'void')
       AND encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10);
    DELETE FROM dash_open
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10) AND n <= 0;
    INSERT INTO dash_open(encounter_id, provider_key, kind, rule, aday, n)
    SELECT NEW.encounter_id, COALESCE(NEW.provider_id, 0), NEW.kind, NEW.rule, substr(NEW.assigned_at, 1, 10), 1
     WHERE (NEW.status <> 'completed' AND NEW.status <> 'waived' AND NEW.status <> 'void')
    ON CONFLICT(encounter_id, provider_key, kind, rule, aday) DO UPDATE SET n = n + 1;
END;

DROP TRIGGER IF EXISTS dash_def_del;
CREATE TRIGGER dash_def_del AFTER DELETE ON deficiencies
WHEN (OLD.status <> 'completed' AND OLD.status <> 'waived' AND OLD.status <> 'void')
BEGIN
    UPDATE dash_open SET n = n - 1
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10);
    DELETE FROM dash_open
     WHERE encounter_id = OLD.encounter_id AND provider_key = COALESCE(OLD.provider_id, 0)
       AND kind = OLD.kind AND rule = OLD.rule AND aday = substr(OLD.assigned_at, 1, 10) AND n <= 0;
END;

DROP TRIGGER IF EXISTS dash_open_ins;
CREATE TRIGGER dash_open_ins AFTER INSERT ON dash_open
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
     WHERE policy = 'CRITICAL' AND (NEW.kind = 'MISS_DS' OR NEW.kind = 'MISS_OP' OR NEW.kind = 'MISS_HP')
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = NEW.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.encounter_id
                         AND (o.kind = 'MISS_DS' OR o.kind = 'MISS_OP' OR o.kind = 'MISS_HP')
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

DROP TRIGGER IF EXISTS dash_open_del;
CREATE TRIGGER dash_open_del AFTER DELETE ON dash_open
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
     WHERE policy = 'CRITICAL' AND (OLD.kind = 'MISS_DS' OR OLD.kind = 'MISS_OP' OR OLD.kind = 'MISS_HP')
       AND EXISTS (SELECT 1 FROM encounters e WHERE e.id = OLD.encounter_id
                     AND e.coding_status IN ('ready','in_progress') AND e.discharge_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.encounter_id
                         AND (o.kind = 'MISS_DS' OR o.kind = 'MISS_OP' OR o.kind = 'MISS_HP'));
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

DROP TRIGGER IF EXISTS dash_enc_dday;
CREATE TRIGGER dash_enc_dday AFTER UPDATE OF discharge_at ON encounters
WHEN COALESCE(substr(OLD.discharge_at, 1, 10), '') <> COALESCE(substr(NEW.discharge_at, 1, 10), '')
BEGIN
    UPDATE dash_provider_day
       SET n = n - (SELECT sum(o.n) FROM dash_open o WHERE o.encounter_id = OLD.id
                      AND o.provider_key = dash_provider_day.provider_key AND o.aday = dash_provider_day.aday)
     WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '')
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.id
                     AND o.provider_key = dash_provider_day.provider_key AND o.aday = dash_provider_day.aday);
    INSERT INTO dash_provider_day(provider_key, dday, aday, n)
    SELECT provider_key, COALESCE(substr(NEW.discharge_at, 1, 10), ''), aday, sum(n)
      FROM dash_open WHERE encounter_id = NEW.id GROUP BY provider_key, aday
    ON CONFLICT(provider_key, dday, aday) DO UPDATE SET n = n + excluded.n;
    UPDATE dash_provider_enc SET n = n - 1
     WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '')
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.id AND o.provider_key = dash_provider_enc.provider_key);
    INSERT INTO dash_provider_enc(provider_key, dday, n)
    SELECT DISTINCT provider_key, COALESCE(substr(NEW.discharge_at, 1, 10), ''), 1
      FROM dash_open WHERE encounter_id = NEW.id
    ON CONFLICT(provider_key, dday) DO UPDATE SET n = n + 1;
    DELETE FROM dash_provider_day WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '') AND n <= 0
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.id AND o.provider_key = dash_provider_day.provider_key);
    DELETE FROM dash_provider_enc WHERE dday = COALESCE(substr(OLD.discharge_at, 1, 10), '') AND n <= 0
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = OLD.id AND o.provider_key = dash_provider_enc.provider_key);
END;

DROP TRIGGER IF EXISTS dash_enc_eligible;
CREATE TRIGGER dash_enc_eligible AFTER UPDATE OF coding_status, discharge_at ON encounters
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
                     AND (o.kind = 'MISS_DS' OR o.kind = 'MISS_OP' OR o.kind = 'MISS_HP'));
    UPDATE dash_coding_held
       SET n = n + CASE WHEN NEW.coding_status IN ('ready','in_progress') AND NEW.discharge_at IS NOT NULL THEN 1 ELSE -1 END
     WHERE policy = 'ALL'
       AND EXISTS (SELECT 1 FROM dash_open o WHERE o.encounter_id = NEW.id AND o.kind <> 'QUERY');
END;

DROP TRIGGER IF EXISTS deficiency_open_del;
CREATE TRIGGER deficiency_open_del AFTER DELETE ON deficiencies
WHEN (OLD.status <> 'completed' AND OLD.status <> 'waived' AND OLD.status <> 'void')
BEGIN
    UPDATE deficiency_open_daily SET n = n - 1
     WHERE kind = OLD.kind AND day = substr(OLD.assigned_at, 1, 10);
END;

