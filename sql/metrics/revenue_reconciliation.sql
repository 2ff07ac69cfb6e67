-- revenue_reconciliation: recognized subscription revenue against what Stripe
-- invoiced and collected, per calendar month, each difference broken into
-- named causes that add up to it exactly. Long rows (day, item, invoice_id, amount_usd;
-- invoice_id '' for a refund):
-- the metric sums them per item (src/lib/server/metrics/definitions/finance-revenue.ts).
-- Read it per whole month: causes are defined per calendar month M and dated by
-- the day they arise, so only a whole month's rows add up to its identities.
--
--   recognized   Σ subscription_revenue of M (stripe_recognized_days.sql: paid
--                invoice lines over their service days, less credit notes and refunds)
--   invoiced     Σ total (tax included) of invoices finalized in M (paid, open,
--                uncollectible; by created day), at the rate of that day
--   collected    Σ amount_paid of invoices paid in M, at the rate of the payment day
--
--   invoiced − recognized = tax + unpaid + deferred + currency + credit_notes + refunds + unexplained
--     tax          tax on M's invoices (invoiced, never revenue)
--     unpaid       net of M's invoices not paid (yet): recognized only once paid
--     deferred     M's invoices recognized on days outside M, less revenue of M
--                  that came from other months' invoices
--     currency     M's paid invoices at the invoice day's rate − the same lines
--                  at each service day's rate (0 for USD)
--     credit_notes, refunds  subtracted from revenue in M
--     unexplained  invoice total − tax − Σ its lines' net: amounts not on a line
--                  (0 when Stripe's invoice adds up in its currency)
--   collected − invoiced = collection_timing + collection_currency + payment_adjustments
--     collection_timing     invoices paid in M but finalized in another month,
--                           less M's invoices not paid in M
--     collection_currency   payments at the payment day's rate − at the invoice day's
--     payment_adjustments   amount_paid − total (customer balance or credit applied)
--
-- Amounts in other currencies: minor units × usd_per_unit / minor_per_unit of
-- the day named above, rounded to the cent per invoice (per line-day for
-- recognized revenue); a missing rate stops the query (FX_RATE_MISSING).
-- `recognized_days` is stripe_recognized_days.sql read over the whole service
-- periods of the lines of the period's invoices (include prefix invoice_periods:,
-- src/lib/server/metrics/sql-files.ts).
WITH
	-- Every finalized invoice's day and status (no amounts: read for any invoice a recognized line belongs to).
	invoice_days AS (
		SELECT invoice_id, toDate(created) AS inv_day, status
		FROM stripe_invoices FINAL
		WHERE status IN ('paid', 'open', 'uncollectible')
	),
	-- Invoices finalized or paid in the period, their amounts in USD at the invoice day's and the payment day's rate.
	invoices AS (
		SELECT
			i.invoice_id AS invoice_id,
			i.status AS status,
			i.inv_day AS inv_day,
			i.paid_day AS paid_day,
			if(i.currency = 'usd', toDecimal64(i.total, 2) / 100, toDecimal64(round(toDecimal128(i.total, 0) * ri.usd_per_unit / greatest(ri.minor_per_unit, 1), 2), 2)) AS total_usd,
			-- Tax = total − total excluding tax, each converted: an invoice that adds up in its currency leaves no cent unexplained.
			total_usd - if(i.currency = 'usd', toDecimal64(i.total - i.tax, 2) / 100, toDecimal64(round(toDecimal128(i.total - i.tax, 0) * ri.usd_per_unit / greatest(ri.minor_per_unit, 1), 2), 2)) AS tax_usd,
			if(i.currency = 'usd', toDecimal64(i.net, 2) / 100, toDecimal64(round(toDecimal128(i.net, 0) * ri.usd_per_unit / greatest(ri.minor_per_unit, 1), 2), 2)) AS net_usd,
			if(i.currency = 'usd', toDecimal64(i.amount_paid, 2) / 100, toDecimal64(round(toDecimal128(i.amount_paid, 0) * ri.usd_per_unit / greatest(ri.minor_per_unit, 1), 2), 2)) AS paid_at_invoice_rate_usd,
			if(i.currency = 'usd', toDecimal64(i.amount_paid, 2) / 100, toDecimal64(round(toDecimal128(i.amount_paid, 0) * rp.usd_per_unit / greatest(rp.minor_per_unit, 1), 2), 2)) AS paid_usd,
			throwIf(i.currency != 'usd' AND (ri.has_rate = 0 OR (i.paid_day IS NOT NULL AND rp.has_rate = 0)),
				'FX_RATE_MISSING: a rate needed to convert Stripe amounts to USD is not in fx_rates') AS rate_check
		FROM (
			SELECT inv.invoice_id AS invoice_id, inv.status AS status, inv.currency AS currency, toDate(inv.created) AS inv_day,
				if(inv.status = 'paid' AND inv.paid_at IS NOT NULL, toDate(assumeNotNull(inv.paid_at)), NULL) AS paid_day,
				inv.total AS total, inv.tax AS tax, inv.amount_paid AS amount_paid, ifNull(n.net, 0) AS net
			FROM (SELECT * FROM stripe_invoices FINAL WHERE status IN ('paid', 'open', 'uncollectible')) AS inv
			LEFT JOIN (SELECT invoice_id, sum(net) AS net FROM stripe_lines_current GROUP BY invoice_id) AS n ON n.invoice_id = inv.invoice_id
			WHERE (inv.created >= toDateTime64({from:Date}, 3, 'UTC') AND inv.created < toDateTime64({to:Date}, 3, 'UTC'))
				OR (inv.paid_at >= toDateTime64({from:Date}, 3, 'UTC') AND inv.paid_at < toDateTime64({to:Date}, 3, 'UTC'))
		) AS i
		LEFT JOIN (SELECT currency, day, usd_per_unit, minor_per_unit, toUInt8(1) AS has_rate FROM fx_rates_current) AS ri
			ON ri.currency = i.currency AND ri.day = i.inv_day
		LEFT JOIN (SELECT currency, day, usd_per_unit, minor_per_unit, toUInt8(1) AS has_rate FROM fx_rates_current) AS rp
			ON rp.currency = i.currency AND rp.day = ifNull(i.paid_day, i.inv_day)
	),
	recognized_days AS (
		{{invoice_periods:stripe_recognized_days}}
	),
	-- Recognized line-days with the day their invoice was finalized.
	line_days AS (
		SELECT r.day AS day, r.invoice_id AS invoice_id, r.amount_usd AS amount_usd, d.inv_day AS inv_day
		FROM recognized_days AS r
		INNER JOIN invoice_days AS d ON d.invoice_id = r.invoice_id
		WHERE r.component = 'invoice_line'
	)
SELECT day, item, invoice_id, amount_usd FROM (
	-- Revenue recognized in the period, and what credit notes and refunds took off it.
	SELECT day, 'recognized' AS item, invoice_id, amount_usd FROM recognized_days WHERE day >= {from:Date} AND day < {to:Date}
	UNION ALL
	SELECT day, if(component = 'credit_note', 'credit_notes', 'refunds'), invoice_id, -amount_usd
	FROM recognized_days WHERE component != 'invoice_line' AND day >= {from:Date} AND day < {to:Date}
	-- Deferred: revenue recognized in another month than its invoice's.
	UNION ALL
	SELECT day, 'deferred', invoice_id, -amount_usd FROM line_days
	WHERE toStartOfMonth(day) != toStartOfMonth(inv_day) AND day >= {from:Date} AND day < {to:Date}
	UNION ALL
	SELECT inv_day, 'deferred', invoice_id, amount_usd FROM line_days
	WHERE toStartOfMonth(day) != toStartOfMonth(inv_day) AND inv_day >= {from:Date} AND inv_day < {to:Date}
	-- Currency: the period's paid invoices at their day's rate (below) less their lines at each service day's rate.
	UNION ALL
	SELECT inv_day, 'currency', invoice_id, -amount_usd FROM line_days WHERE inv_day >= {from:Date} AND inv_day < {to:Date}
	-- Invoices finalized in the period.
	UNION ALL
	SELECT inv_day, item_amount.1, invoice_id, item_amount.2
	FROM invoices
	ARRAY JOIN [
		('invoiced', total_usd),
		('tax', tax_usd),
		('unexplained', total_usd - tax_usd - net_usd),
		(if(status = 'paid', 'currency', 'unpaid'), net_usd),
		('collection_timing', -total_usd)
	] AS item_amount
	WHERE inv_day >= {from:Date} AND inv_day < {to:Date} AND rate_check = 0
	-- Invoices paid in the period.
	UNION ALL
	SELECT assumeNotNull(paid_day), item_amount.1, invoice_id, item_amount.2
	FROM invoices
	ARRAY JOIN [
		('collected', paid_usd),
		('collection_currency', paid_usd - paid_at_invoice_rate_usd),
		('payment_adjustments', paid_at_invoice_rate_usd - total_usd),
		('collection_timing', total_usd)
	] AS item_amount
	WHERE paid_day IS NOT NULL AND paid_day >= {from:Date} AND paid_day < {to:Date} AND rate_check = 0
)
