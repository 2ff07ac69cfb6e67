-- Why: video_signatures and its view (migration 0040) were superseded by
-- video_minhash (0041) and are read by nothing, but the view still computed
-- and stored a signature for every video row inserted. Dropped here (0040 is
-- never edited; on a fresh warehouse it creates them and this drops them).
-- The `_local` twin exists only on a cluster, where IF EXISTS makes the
-- statement a no-op elsewhere.
DROP VIEW IF EXISTS video_signatures_mv;

DROP TABLE IF EXISTS video_signatures;

DROP TABLE IF EXISTS video_signatures_local;
