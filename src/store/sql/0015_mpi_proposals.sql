-- Issue #18 (DOMAIN §1, §8.1): a technician reviews an MPI pair and proposes a merge (naming
-- the surviving record) or a keep-apart (with a reason); a supervisor then applies or rejects
-- the proposal. One current proposal per queue item; a new proposal replaces the old one
-- (each is audited). Kept after the item is decided, as the record of who proposed what.
-- Written with IF NOT EXISTS so it re-runs harmlessly (tests/audit_canon.rs re-migrates).
CREATE TABLE IF NOT EXISTS mpi_proposals (
    item_id     INTEGER PRIMARY KEY REFERENCES mpi_items(id),
    proposal    TEXT NOT NULL CHECK (proposal IN ('merge','keep_apart')),
    survivor_id INTEGER REFERENCES patients(id),
    reason      TEXT NOT NULL DEFAULT '',
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    CHECK ((proposal = 'merge') = (survivor_id IS NOT NULL))
) STRICT;
