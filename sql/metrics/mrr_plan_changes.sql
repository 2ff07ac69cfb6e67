-- MRR changes per customer, plan and day, for every day before {to:Date}
-- (history included: levels are running sums of these), from the source the
-- request chose ({mrr_source:String}, a zod enum in src/lib/contracts/mrr-policy.ts):
--   subscriptions (default)  each subscription's state over time, as Stripe counts MRR
--                            (mrr_changes_subscriptions.sql)
--   invoices                 the recurring lines of paid and open invoices over the
--                            service period they cover (mrr_changes_invoices.sql)
-- Each branch also tests the source where it reads its tables, so the branch
-- not chosen reads no rows. Everything built on MRR (mrr_daily, the movements,
-- the drill-downs, the Revenue page's tables) reads this one relation.
SELECT customer_id, plan, day, delta FROM ({{mrr_changes_subscriptions}}) WHERE {mrr_source:String} = 'subscriptions'
UNION ALL
SELECT customer_id, plan, day, delta FROM ({{mrr_changes_invoices}}) WHERE {mrr_source:String} = 'invoices'
