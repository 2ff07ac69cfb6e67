-- The value-free part of a dead letter's reason ("watch_ms: must be ≥ 0"), so
-- rejections can be counted by reason while `reason` keeps the offending value
-- ("watch_ms: must be ≥ 0, got -5").
ALTER TABLE dead_letters ADD COLUMN IF NOT EXISTS rule String DEFAULT '' AFTER reason;
