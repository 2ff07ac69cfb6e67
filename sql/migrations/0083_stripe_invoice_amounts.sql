-- What revenue reconciliation compares recognized revenue with
-- (sql/metrics/revenue_reconciliation_daily.sql): Stripe's amount_due and
-- amount_paid of each invoice and the tax it carries (total − total excluding
-- tax), in minor units of the invoice's currency. Rows stored before this
-- migration read the defaults: everything due, paid when the invoice is paid,
-- tax unknown (0) until the invoice is synced again.
ALTER TABLE stripe_invoices
	ADD COLUMN IF NOT EXISTS amount_due Int64 DEFAULT total,
	ADD COLUMN IF NOT EXISTS amount_paid Int64 DEFAULT if(status = 'paid', total, 0),
	ADD COLUMN IF NOT EXISTS tax Int64 DEFAULT 0;
