-- Dead letters are read without FINAL by the Ingest page's counts and exports.
-- A resumed run re-validates the chunk it was killed in, and re-sends that
-- chunk's dead letters with the same insert_deduplication_token; this window
-- makes the repeat a no-op (as for the fact tables in 0001).
ALTER TABLE dead_letters MODIFY SETTING non_replicated_deduplication_window = 10000;
