-- The rate of each currency and day as Stripe amounts need it: keyed by
-- Stripe's lower-case currency code, with the minor units per unit (Stripe
-- amounts are integers of the smallest unit: cents, but whole yen;
-- three-decimal currencies in thousandths), so
-- USD = amount × usd_per_unit / minor_per_unit. Newest load of each
-- (currency, date) wins. USD itself needs no rate and has none.
-- Zero- and three-decimal lists: Stripe's "Supported currencies" page.
CREATE OR REPLACE VIEW fx_rates_current AS
SELECT
	lower(currency) AS currency,
	date AS day,
	usd_per_unit,
	toUInt16(multiIf(
		lower(currency) IN ('bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf'), 1,
		lower(currency) IN ('bhd', 'jod', 'kwd', 'omr', 'tnd'), 1000,
		100)) AS minor_per_unit
FROM fx_rates FINAL;

-- stripe_lines_current, revised: also the line's currency (what its amounts
-- are in), so recognized revenue can convert each service day. Everything
-- else as in 0021.
CREATE OR REPLACE VIEW stripe_lines_current AS
SELECT
	l.invoice_id AS invoice_id,
	l.line_id AS line_id,
	l.customer_id AS customer_id,
	l.subscription_id AS subscription_id,
	l.price_id AS price_id,
	l.currency AS currency,
	l.amount AS amount,
	l.amount - l.discount - l.inclusive_tax AS net,
	l.quantity AS quantity,
	l.period_start AS period_start,
	l.period_end AS period_end,
	l.proration AS proration,
	i.status AS invoice_status,
	i.paid_at AS paid_at
FROM (SELECT * FROM stripe_invoice_lines FINAL) AS l
INNER JOIN (SELECT invoice_id, version, status, paid_at FROM stripe_invoices FINAL) AS i
	ON i.invoice_id = l.invoice_id AND i.version = l.version;
