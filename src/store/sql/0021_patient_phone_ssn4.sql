-- Issue #18 (MPI-02): the patient's phone and the last four digits of the SSN, where the
-- registration has them, for duplicate detection. Only the last four SSN digits are kept
-- (minimum necessary); empty means not known.
ALTER TABLE patients ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE patients ADD COLUMN ssn_last4 TEXT NOT NULL DEFAULT '';
