-- The (currency, day) pairs Stripe amounts need a rate for and fx_rates lacks,
-- up to {to:Date}, those in [{from:Date}, {to:Date}) first: what the error of a
-- figure stopped by FX_RATE_MISSING names (src/lib/server/metrics/fx.ts).
-- Needed: every service day of a paid invoice line, the day of each credit
-- note and refund, every day a subscription ran (MRR), and the days an invoice
-- was finalized and paid (reconciliation), in a currency other than USD. Only read after a query failed, so its cost never slows a figure.
SELECT upper(u.currency) AS currency, toString(u.day) AS day
FROM (
	SELECT DISTINCT currency, day
	FROM (
		SELECT currency, arrayJoin(arrayMap(i -> first_day + i, range(toUInt32(greatest(dateDiff('day', first_day, last_day) + 1, 0))))) AS day
		FROM (
			SELECT l.currency AS currency, toDate(l.period_start) AS first_day,
				least(greatest(toDate(l.period_start), toDate(l.period_end - toIntervalMillisecond(1))), {to:Date} - 1) AS last_day
			FROM stripe_lines_current AS l WHERE l.invoice_status = 'paid' AND l.currency != 'usd'
			UNION ALL
			SELECT currency, toDate(start_date), least(if(ended_at IS NULL, {to:Date} - 1, toDate(assumeNotNull(ended_at))), {to:Date} - 1)
			FROM stripe_subscriptions FINAL WHERE currency != 'usd'
			UNION ALL
			SELECT currency, toDate(effective_at), toDate(effective_at) FROM stripe_credit_notes FINAL WHERE currency != 'usd' AND status != 'void'
			UNION ALL
			SELECT currency, toDate(created), toDate(created) FROM stripe_refunds FINAL WHERE currency != 'usd'
			UNION ALL
			SELECT currency, toDate(created), toDate(created) FROM stripe_invoices FINAL WHERE currency != 'usd' AND status IN ('paid', 'open', 'uncollectible')
			UNION ALL
			SELECT currency, toDate(assumeNotNull(paid_at)), toDate(assumeNotNull(paid_at)) FROM stripe_invoices FINAL WHERE currency != 'usd' AND status = 'paid' AND paid_at IS NOT NULL
		)
	)
	WHERE day < {to:Date}
) AS u
LEFT ANTI JOIN (SELECT currency, day FROM fx_rates_current) AS fx ON fx.currency = u.currency AND fx.day = u.day
ORDER BY u.day >= {from:Date} DESC, u.day, currency
LIMIT 5
