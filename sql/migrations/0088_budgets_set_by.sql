-- Budgets set by an admin (page, API or `loopmeter budgets set`) land in the
-- same table as file loads, so the latest set of a (month, line, scope) wins
-- whichever way it came (ReplacingMergeTree on ingested_at). set_by names the
-- admin who set it; empty for rows loaded from a budgets file (their
-- ingest_run_id names the run).
ALTER TABLE budgets ADD COLUMN IF NOT EXISTS set_by String DEFAULT '' AFTER ingest_run_id;
