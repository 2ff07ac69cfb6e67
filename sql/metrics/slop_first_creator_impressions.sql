-- The first human impression of each creator for each user, over all history
-- before the period end (ties broken by impression_id): one impression_id a row.
SELECT argMin(h.impression_id, (h.ts, h.impression_id))
FROM impressions AS h
INNER JOIN (SELECT video_id, creator_id FROM videos FINAL) AS hv ON hv.video_id = h.video_id
WHERE NOT h.is_internal AND h.ts < toDateTime64({to:Date}, 3, 'UTC')
GROUP BY h.user_id, hv.creator_id
