-- chartdesk schema v4: maintained counters of encounters by HIM status, coding status and
-- discharge day, kept exact by triggers. The home screen's queue counts and the delinquent-
-- record count (DEL-03) sum at most a few thousand counter rows instead of counting millions
-- of encounters, so the first screen after login stays fast at any size.

CREATE TABLE encounter_daily (
    him_status    TEXT NOT NULL,
    coding_status TEXT NOT NULL,
    day           TEXT NOT NULL,            -- date part of discharge_at; '' while in house
    n             INTEGER NOT NULL,
    PRIMARY KEY (him_status, coding_status, day)
) STRICT, WITHOUT ROWID;

INSERT INTO encounter_daily(him_status, coding_status, day, n)
SELECT him_status, coding_status, COALESCE(substr(discharge_at, 1, 10), ''), count(*)
FROM encounters GROUP BY 1, 2, 3;

CREATE TRIGGER encounter_daily_ins AFTER INSERT ON encounters
BEGIN
    INSERT INTO encounter_daily(him_status, coding_status, day, n)
    VALUES (NEW.him_status, NEW.coding_status, COALESCE(substr(NEW.discharge_at, 1, 10), ''), 1)
    ON CONFLICT(him_status, coding_status, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER encounter_daily_upd AFTER UPDATE OF him_status, coding_status, discharge_at ON encounters
BEGIN
    UPDATE encounter_daily SET n = n - 1
     WHERE him_status = OLD.him_status AND coding_status = OLD.coding_status
       AND day = COALESCE(substr(OLD.discharge_at, 1, 10), '');
    INSERT INTO encounter_daily(him_status, coding_status, day, n)
    VALUES (NEW.him_status, NEW.coding_status, COALESCE(substr(NEW.discharge_at, 1, 10), ''), 1)
    ON CONFLICT(him_status, coding_status, day) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER encounter_daily_del AFTER DELETE ON encounters
BEGIN
    UPDATE encounter_daily SET n = n - 1
     WHERE him_status = OLD.him_status AND coding_status = OLD.coding_status
       AND day = COALESCE(substr(OLD.discharge_at, 1, 10), '');
END;
