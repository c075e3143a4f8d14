-- chartdesk schema v10: code-set loads in short transactions (#17).
-- Invariant: a code set is visible to readers only once `ready = 1`; a load creates its sets
-- with `ready = 0`, writes their rows in short audited transactions, then switches them all to
-- `ready = 1` in one transaction. Every reader lookup of code_sets filters `ready = 1`.
ALTER TABLE code_sets ADD COLUMN ready INTEGER NOT NULL DEFAULT 1 CHECK (ready IN (0, 1));
