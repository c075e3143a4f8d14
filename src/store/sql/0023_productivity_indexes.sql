-- Issue #15: the dashboard's throughput tile and `report productivity` (MET-05) count a
-- week's work on every read. Without these they scanned the week's whole audit log (every
-- view is an audit row) for hand-run analyses, and every coding session for the completed
-- ones; with them they read only the rows they count.
-- Hand-run analyses (`E analysis <encounter>` audit rows), by seq: the report bounds the
-- period by seq (binary search on recorded_at) and reads only these index entries.
CREATE INDEX IF NOT EXISTS audit_analysis_exec ON audit_log(seq)
    WHERE entity_type = 'analysis' AND action = 'E';
-- Completed coding sessions by completion time.
CREATE INDEX IF NOT EXISTS coding_work_completed ON coding_work(completed_at)
    WHERE completed_at IS NOT NULL;
