-- chartdesk schema v2: code-set detail beyond code_sets/codes (0001).
-- Invariants: every row belongs to one code set (one system, one fiscal year) and is written
-- once, by the code-set loader, in the same audited transaction as its code_sets row; a new
-- release is a new code set, never an edit. Codes are stored without the dot.

-- The tabular block (section id, e.g. 'E08-E13') of each ICD-10-CM row; '' for PCS.
ALTER TABLE codes ADD COLUMN block TEXT NOT NULL DEFAULT '';

-- ICD-10-CM chapters (id = chapter number '1'..'22') and blocks (id = 'A00-A09').
CREATE TABLE code_groups (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    level       TEXT NOT NULL CHECK (level IN ('chapter','block')),
    id          TEXT NOT NULL,
    chapter     TEXT NOT NULL,
    title       TEXT NOT NULL,
    PRIMARY KEY (code_set_id, level, id)
) STRICT, WITHOUT ROWID;

-- Tabular instructional notes. A note applies to the code (or block/chapter) where it appears
-- and to all its descendants. seq keeps the source order. kind 'seventh_char_def' holds
-- 'char=meaning'. refs = comma-separated code references parsed from the text.
CREATE TABLE code_notes (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    scope       TEXT NOT NULL CHECK (scope IN ('chapter','block','code')),
    code        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL,
    refs        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (code_set_id, scope, code, seq)
) STRICT, WITHOUT ROWID;

-- Medicare Code Editor flags of the codes valid in the MCE code set's fiscal year.
CREATE TABLE mce_flags (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    system      TEXT NOT NULL CHECK (system IN ('dx','pcs')),
    code        TEXT NOT NULL,
    flag        TEXT NOT NULL,
    PRIMARY KEY (code_set_id, system, code, flag)
) STRICT, WITHOUT ROWID;
CREATE INDEX mce_flags_by_flag ON mce_flags(code_set_id, flag);

-- MCE age-conflict groups (Newborn, Pediatric, Maternity, Adult) with inclusive age limits.
CREATE TABLE mce_age_ranges (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    age_group   TEXT NOT NULL,
    min_age     INTEGER NOT NULL,
    max_age     INTEGER NOT NULL,
    PRIMARY KEY (code_set_id, age_group)
) STRICT, WITHOUT ROWID;

-- POA-exempt ICD-10-CM codes, supplied by the site (CDC POAexemptCodesFYnn.txt). Keyed on the
-- icd10cm code set of the fiscal year. No rows for a set = exemption unknown, not "none exempt".
CREATE TABLE poa_exempt (
    code_set_id INTEGER NOT NULL REFERENCES code_sets(id),
    code        TEXT NOT NULL,
    description TEXT NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (code_set_id, code)
) STRICT, WITHOUT ROWID;
