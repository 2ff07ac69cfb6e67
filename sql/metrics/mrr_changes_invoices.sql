-- MRR changes per customer, plan and day from invoices (mrr_source=invoices), for every day before {to:Date}
-- (history included: levels are running sums of these). A subscription line
-- worth v per month that covers days [a, b) adds +v on a and -v on b (see
-- stripe_mrr_lines and mrr_daily for which days a line covers), so a
-- customer's MRR on day D is the sum of its changes on days <= D. Working on
-- changes rather than on every covered day keeps MRR movements proportional
-- to the number of invoice lines, not to subscribers × days.
SELECT customer_id, plan, day, delta
FROM (
	SELECT customer_id, plan, point.1 AS day, sum(point.2) AS delta
	FROM stripe_mrr_lines
	ARRAY JOIN [(toDate(valid_from), mrr_usd), (toDate(valid_to), -mrr_usd)] AS point
	-- {mrr_source:String} is constant for the query: when subscriptions were asked for, nothing is read.
	WHERE {mrr_source:String} = 'invoices' AND toDate(valid_to) > toDate(valid_from) AND valid_from < toDateTime64({to:Date}, 3, 'UTC')
	GROUP BY customer_id, plan, day
	HAVING delta != 0
)
WHERE day < {to:Date}
