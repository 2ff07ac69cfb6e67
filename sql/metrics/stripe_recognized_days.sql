-- stripe_recognized_days: recognized Stripe revenue per source object and day,
-- in the object's currency and in USD: what subscription_revenue_daily adds up
-- and what revenue reconciliation (revenue_reconciliation.sql) splits by the
-- invoice each amount came from.
--
-- * Rows (day Date, customer_id, plan, component 'invoice_line' | 'credit_note'
--   | 'refund', currency lower case, invoice_id ('' for refunds),
--   amount_minor Int128 (minor units of currency), amount_usd Decimal(18, 2)).
-- * Each line of a PAID invoice is spread evenly over its service period
--   [period.start, period.end) by the millisecond, net of discounts and
--   excluding tax (tax included in a line's amount is taken out). Minor units
--   are allocated by cumulative floor, so a line's days add up to exactly its
--   net amount: day portion = f(day end) - f(day start), f(t) = floor(net × elapsed(t) / length).
--   A line without a period length is recognized on its start day.
-- * Credit notes (not void, on paid invoices) are subtracted on their
--   effective day at their amount excluding tax and net of discounts.
-- * Refunds (succeeded or pending) are subtracted on the day they were
--   created, in full; a refund issued through a credit note counts once, as
--   the credit note.
-- * plan: the plan of the line's price (stripe_price_plans); credit notes and
--   refunds take the plan of the customer's latest line started before them;
--   'unknown' when there is none.
-- * Currencies: each row (a line's day, a credit note, a refund) is converted
--   at its day's fx_rates rate (view fx_rates_current) and rounded to the
--   cent: a line over several days is converted at each service day's rate.
--   USD needs no rate. A needed rate that is missing stops the query (throwIf
--   with FX_RATE_MISSING; src/lib/server/metrics/fx.ts then names the
--   currency and day), never a silent zero.
-- * Rows only for days in [{from:Date}, {to:Date}).
SELECT
	r.day AS day,
	r.customer_id AS customer_id,
	r.plan AS plan,
	r.component AS component,
	r.currency AS currency,
	r.invoice_id AS invoice_id,
	r.cents AS amount_minor,
	if(r.currency = 'usd', toDecimal64(r.cents, 2) / 100,
		toDecimal64(round(toDecimal128(r.cents, 0) * fx.usd_per_unit / greatest(fx.minor_per_unit, 1), 2), 2))
		+ throwIf(r.currency != 'usd' AND fx.has_rate = 0, 'FX_RATE_MISSING: a rate needed to convert Stripe amounts to USD is not in fx_rates') AS amount_usd
FROM (
	SELECT
		d AS day,
		customer_id,
		plan,
		'invoice_line' AS component,
		currency,
		invoice_id,
		if(span_ms = 0, net,
			intDiv(toInt128(net) * dateDiff('millisecond', period_start, least(period_end, toDateTime64(d + 1, 3, 'UTC'))), span_ms)
			- intDiv(toInt128(net) * dateDiff('millisecond', period_start, greatest(period_start, toDateTime64(d, 3, 'UTC'))), span_ms)) AS cents
	FROM (
		SELECT
			l.customer_id AS customer_id,
			l.invoice_id AS invoice_id,
			l.currency AS currency,
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

	SELECT toDate(cn.effective_at), cn.customer_id, if(pl.plan != '', pl.plan, 'unknown'), 'credit_note', cn.currency, cn.invoice_id, -toInt128(cn.amount_ex_tax)
	FROM (
		SELECT c.customer_id AS customer_id, c.effective_at AS effective_at, c.amount_ex_tax AS amount_ex_tax, c.currency AS currency, c.invoice_id AS invoice_id
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

	SELECT toDate(rf.created), rf.customer_id, if(pl.plan != '', pl.plan, 'unknown'), 'refund', rf.currency, '', -toInt128(rf.amount)
	FROM (
		SELECT r.created AS created, r.amount AS amount, r.currency AS currency, if(r.customer_id != '', r.customer_id, ch.customer_id) AS customer_id
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
) AS r
LEFT JOIN (SELECT currency, day, usd_per_unit, minor_per_unit, toUInt8(1) AS has_rate FROM fx_rates_current) AS fx
	ON fx.currency = r.currency AND fx.day = r.day
