-- Issue #14: the picker's facility-editable synonyms and each coder's favourite codes.
-- Re-runnable (IF NOT EXISTS): tests rewind user_version past it to replay an older step.
-- Synonym rows are never deleted: a removed term keeps its row with active = 0, so loading
-- the shipped table again (INSERT OR IGNORE) does not bring back a term the facility removed.
CREATE TABLE IF NOT EXISTS picker_synonyms (
    term TEXT PRIMARY KEY,              -- lower case, what the coder types
    expansion TEXT NOT NULL,            -- words searched instead
    codes TEXT NOT NULL DEFAULT '',     -- preferred codes, undotted, comma-separated
    source TEXT NOT NULL CHECK (source IN ('shipped', 'facility')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A coder's favourite codes (toggled in the picker, audited); they rank first for that coder.
CREATE TABLE IF NOT EXISTS code_favourites (
    username TEXT NOT NULL,
    system TEXT NOT NULL,
    code TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (username, system, code)
);

-- The CMS Alphabetic Index and Table of Drugs a site loads with `codes load` (site files, not
-- shipped): one row per term with its path of titles (`Cholecystitis, acute, with, calculus`)
-- and its code, or a see/see-also target. A load of a year's file replaces that year's rows.
CREATE TABLE IF NOT EXISTS code_index_terms (
    id INTEGER PRIMARY KEY,
    fiscal_year INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('index', 'drugs')),
    path TEXT NOT NULL,
    code TEXT,
    see TEXT
);
CREATE INDEX IF NOT EXISTS code_index_terms_year_code ON code_index_terms(fiscal_year, code);
