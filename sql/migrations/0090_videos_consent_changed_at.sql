-- When a video's cameo consent last changed (DATA.md, videos.consent_changed_at):
-- impressions served before it count under the previous state. Nullable: a
-- video loaded without it keeps its consent since creation (the behaviour of
-- every row loaded before this column existed).
ALTER TABLE videos ADD COLUMN IF NOT EXISTS consent_changed_at Nullable(DateTime64(3, 'UTC')) AFTER copyright_flag;
