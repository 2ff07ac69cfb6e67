-- Base rows: one per human user, UTC day and dimension values, with the
-- normalized Shannon entropy of the topics of the videos they were shown:
--   H = −Σ p_t ln p_t = ln n − Σ c_t ln c_t / n   (c_t impressions of topic t, n = Σ c_t)
--   diversity = H / ln(min(K, n)), K = distinct topics in the catalogue,
-- i.e. 1 when the user-day is as varied as it could be. User-days with a single
-- impression (or a one-topic catalogue) have no defined diversity (NULL) and
-- are left out of the average.
SELECT
	day, user_id, rec_arm, feed_mode, country, platform, surface, plan,
	sum(c) AS imps,
	if(least(any(k), sum(c)) > 1, (log(sum(c)) - sum(c * log(c)) / sum(c)) / log(least(any(k), sum(c))), NULL) AS diversity
FROM (
	SELECT day, user_id, rec_arm, feed_mode, country, platform, surface, plan, topic, count() AS c,
		(SELECT uniqExact(topic) FROM ({{slop_videos}})) AS k
	FROM ({{slop_impression_videos}})
	GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan, topic
)
GROUP BY day, user_id, rec_arm, feed_mode, country, platform, surface, plan
