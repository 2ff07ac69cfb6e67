-- user_plan_intervals (user_id String, plan String, valid_from DateTime64(3,'UTC'), valid_to DateTime64(3,'UTC'))
--
-- GUARANTEES, for everyone who joins on it (unit economics, engagement by plan):
-- * One row per stretch of time a Loopmeter user paid for a plan, half-open
--   [valid_from, valid_to), to the millisecond, from Stripe subscription
--   invoice lines (so backfill, sync, webhook and event files agree).
-- * A user with no row covering a moment is on plan 'free' at that moment
--   (trials and 100 %-discounted periods pay nothing and count as free).
-- * Plan names come from product metadata `plan`, price metadata, the price's
--   lookup_key (STRIPE_PLAN_LOOKUP_KEYS in config) or the product name, lower case.
-- * user_id is users.user_id where users.stripe_customer_id links the customer,
--   else the customer's metadata.user_id, else 'stripe:<customer id>'.
-- * Stretches of one user and plan never overlap; a user paying two different
--   plans at once (two concurrent subscriptions) has a row for each.
-- * A mid-period upgrade ends the old plan at the moment of the change: the
--   proration credit cancels the rest of the old line.
--
-- How: sweep over each customer's recurring value per plan (stripe_mrr_lines):
-- +value at a line's start, -value at its end; where the running sum is
-- positive the customer pays for that plan.
CREATE OR REPLACE VIEW user_plan_intervals AS
SELECT cu.user_id AS user_id, iv.plan AS plan, iv.valid_from AS valid_from, iv.valid_to AS valid_to
FROM (
	SELECT customer_id, plan, ts AS valid_from, next_ts AS valid_to
	FROM (
		SELECT
			customer_id, plan, ts,
			sum(delta) OVER (PARTITION BY customer_id, plan ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
			leadInFrame(ts) OVER (PARTITION BY customer_id, plan ORDER BY ts ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS next_ts
		FROM (
			SELECT customer_id, plan, point.1 AS ts, sum(point.2) AS delta
			FROM stripe_mrr_lines
			ARRAY JOIN [(valid_from, mrr_usd), (valid_to, -mrr_usd)] AS point
			WHERE valid_to > valid_from
			GROUP BY customer_id, plan, ts
			HAVING delta != 0
		)
	)
	WHERE running > 0 AND next_ts > ts
) AS iv
INNER JOIN stripe_customer_users AS cu ON cu.customer_id = iv.customer_id;
