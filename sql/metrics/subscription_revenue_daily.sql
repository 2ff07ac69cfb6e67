-- subscription_revenue_daily: recognized subscription revenue per user, plan and day.
--
-- GUARANTEES (others build revenue, arpu, margin_per_gpu_hour, gross_margin on it
-- via {{include subscription_revenue_daily}}):
-- * Rows (day Date, user_id String, plan String, amount_usd Decimal(18, 2),
--   component String). Σ amount_usd over any set of days is exact to the cent.
-- * Each line of a PAID invoice is spread evenly over its service period
--   [period.start, period.end) by the millisecond, net of discounts and
--   excluding tax (tax included in a line's amount is taken out). Cents are
--   allocated by cumulative floor, so a line's days add up to exactly its net
--   amount: day portion = f(day end) - f(day start), f(t) = floor(net × elapsed(t) / length).
--   A line without a period length is recognized on its start day.
-- * Credit notes (not void, on paid invoices) are subtracted on their
--   effective day at their amount excluding tax and net of discounts.
-- * Refunds (succeeded or pending) are subtracted on the day they were
--   created, in full; a refund issued through a credit note counts once, as
--   the credit note.
-- * component: 'invoice_line', 'credit_note' or 'refund'.
-- * plan: the plan of the line's price (stripe_price_plans); credit notes and
--   refunds take the plan of the customer's latest line started before them;
--   'unknown' when there is none.
-- * user_id as in stripe_customer_users (users.stripe_customer_id, then customer
--   metadata user_id, else 'stripe:<customer id>').
-- * Only USD reaches these tables (other currencies are dead-lettered).
-- * Rows only for days in [{from:Date}, {to:Date}).
SELECT
	r.day AS day,
	if(cu.user_id != '', cu.user_id, concat('stripe:', r.customer_id)) AS user_id,
	r.plan AS plan,
	toDecimal64(r.amount_cents, 2) / 100 AS amount_usd,
	r.component AS component
FROM (
	SELECT day, customer_id, plan, component, sum(cents) AS amount_cents
	FROM (
		SELECT
			d AS day,
			customer_id,
			plan,
			'invoice_line' AS component,
			if(span_ms = 0, net,
				intDiv(toInt128(net) * dateDiff('millisecond', period_start, least(period_end, toDateTime64(d + 1, 3, 'UTC'))), span_ms)
				- intDiv(toInt128(net) * dateDiff('millisecond', period_start, greatest(period_start, toDateTime64(d, 3, 'UTC'))), span_ms)) AS cents
		FROM (
			SELECT
				l.customer_id AS customer_id,
				if(pp.plan != '', pp.plan, 'unknown') AS plan,
				l.net AS net,
				l.period_start AS period_start,
				l.period_end AS period_end,
				dateDiff('millisecond', l.period_start, l.period_end) AS span_ms,
				greatest(toDate(l.period_start), {from:Date}) AS first_day,
				least(if(span_ms = 0, toDate(l.period_start), toDate(l.period_end - toIntervalMillisecond(1))), {to:Date} - 1) AS last_day
			FROM stripe_lines_current AS l
			LEFT JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
			WHERE l.invoice_status = 'paid'
				AND l.period_start < toDateTime64({to:Date}, 3, 'UTC')
				AND l.period_end >= toDateTime64({from:Date}, 3, 'UTC')
		)
		ARRAY JOIN arrayMap(i -> first_day + i, range(toUInt32(if(last_day >= first_day, dateDiff('day', first_day, last_day) + 1, 0)))) AS d

		UNION ALL

		SELECT toDate(cn.effective_at), cn.customer_id, if(pl.plan != '', pl.plan, 'unknown'), 'credit_note', -toInt128(cn.amount_ex_tax)
		FROM (
			SELECT c.customer_id AS customer_id, c.effective_at AS effective_at, c.amount_ex_tax AS amount_ex_tax
			FROM (SELECT * FROM stripe_credit_notes FINAL) AS c
			INNER JOIN (SELECT invoice_id FROM stripe_invoices FINAL WHERE status = 'paid') AS i ON i.invoice_id = c.invoice_id
			WHERE c.status != 'void'
				AND c.effective_at >= toDateTime64({from:Date}, 3, 'UTC') AND c.effective_at < toDateTime64({to:Date}, 3, 'UTC')
		) AS cn
		ASOF LEFT JOIN (
			SELECT l.customer_id AS customer_id, l.period_start AS period_start, pp.plan AS plan
			FROM stripe_lines_current AS l INNER JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
		) AS pl ON pl.customer_id = cn.customer_id AND cn.effective_at >= pl.period_start

		UNION ALL

		SELECT toDate(rf.created), rf.customer_id, if(pl.plan != '', pl.plan, 'unknown'), 'refund', -toInt128(rf.amount)
		FROM (
			SELECT r.created AS created, r.amount AS amount, if(r.customer_id != '', r.customer_id, ch.customer_id) AS customer_id
			FROM (SELECT * FROM stripe_refunds FINAL) AS r
			LEFT JOIN (SELECT charge_id, customer_id FROM stripe_charges FINAL) AS ch ON ch.charge_id = r.charge_id
			WHERE r.status IN ('succeeded', 'pending')
				AND r.created >= toDateTime64({from:Date}, 3, 'UTC') AND r.created < toDateTime64({to:Date}, 3, 'UTC')
				AND r.refund_id NOT IN (SELECT arrayJoin(refund_ids) FROM stripe_credit_notes FINAL WHERE status != 'void')
		) AS rf
		ASOF LEFT JOIN (
			SELECT l.customer_id AS customer_id, l.period_start AS period_start, pp.plan AS plan
			FROM stripe_lines_current AS l INNER JOIN stripe_price_plans AS pp ON pp.price_id = l.price_id
		) AS pl ON pl.customer_id = rf.customer_id AND rf.created >= pl.period_start
	)
	GROUP BY day, customer_id, plan, component
) AS r
LEFT JOIN stripe_customer_users AS cu ON cu.customer_id = r.customer_id
