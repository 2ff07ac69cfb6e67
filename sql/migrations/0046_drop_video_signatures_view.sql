-- Why: video_signatures and its view (migration 0040) were superseded by
-- video_minhash (0041) and are read by nothing, but the view still computed
-- and stored a signature for every video row inserted. The view is dropped
-- here (0040 is never edited). The table stays, frozen: every table a
-- migration created is part of the schema the cluster rendering and its tests
-- check (render-ddl tablesOf), and it holds one small row per video loaded
-- before this migration.
DROP VIEW IF EXISTS video_signatures_mv;
