-- Why: video_signatures (0040) was superseded by video_minhash (0041); its view
-- was dropped by 0046, and nothing has read the table since (no metric, drill-down,
-- day table or test). It only held one stale row per video loaded before 0046.
-- On a cluster this drops the Distributed table and its _local twin on every node.
DROP TABLE IF EXISTS video_signatures;
