import { z } from 'zod';
import { dimension, metricId } from '../../contracts/metrics.js';

/**
 * Alert thresholds per indicator, kept in config/alerts.json (admin-editable on
 * the Feed health page or by hand). Evaluated per day: a rule breaches on a day
 * when the metric's daily `field` crosses `threshold`, for each group of `by`.
 */
export const alertRule = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
		metric: metricId,
		/** `value` or one of the metric's components (e.g. `top1pct_share`). */
		field: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be value or a component name').default('value'),
		op: z.enum(['>', '<'], { message: 'must be > or <' }),
		threshold: z.number({ message: 'must be a number' }).finite(),
		by: z.array(dimension).max(2, 'at most 2 dimensions').default([]),
		filters: z.partialRecord(dimension, z.array(z.string().min(1).max(200)).min(1).max(50)).default({}),
		/** Consecutive breaching days before it counts (smooths one noisy day). */
		min_days: z.number().int().min(1).max(28).default(1),
		description: z.string().max(500).default(''),
		/** Outgoing webhooks (ids of `webhooks`) told when a breach of this rule starts and when it ends. */
		notify: z.array(z.string()).max(10).default([])
	})
	.strict();
export type AlertRule = z.infer<typeof alertRule>;

/**
 * An outgoing webhook. Only admins edit config/alerts.json (page, PUT API or the
 * file), so only they choose where breaches are sent. The HMAC secret is not
 * in the file: `secret_env` names the environment variable holding it.
 */
export const alertWebhook = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
		url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
		/** json: the generic signed body; slack: a Slack-compatible `{ text, blocks }` body (also signed). */
		format: z.enum(['json', 'slack'], { message: 'must be json or slack' }).default('json'),
		secret_env: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an environment variable name like LOOPMETER_WEBHOOK_SECRET').optional(),
		description: z.string().max(300).default('')
	})
	.strict();
export type AlertWebhook = z.infer<typeof alertWebhook>;

export const alertConfig = z
	.object({
		/** Days evaluated, ending on the last day with data. */
		lookback_days: z.number().int().min(7).max(366).default(91),
		rules: z.array(alertRule).max(100),
		webhooks: z.array(alertWebhook).max(20).default([])
	})
	.strict()
	.refine((c) => new Set(c.rules.map((r) => r.id)).size === c.rules.length, { message: 'rule ids must be unique', path: ['rules'] })
	.refine((c) => new Set(c.webhooks.map((w) => w.id)).size === c.webhooks.length, { message: 'webhook ids must be unique', path: ['webhooks'] })
	.superRefine((c, ctx) => {
		const ids = new Set(c.webhooks.map((w) => w.id));
		c.rules.forEach((r, i) =>
			r.notify.forEach((w, j) => {
				if (!ids.has(w)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'notify', j], message: `names no webhook (have: ${[...ids].join(', ') || 'none'})` });
			})
		);
	});
export type AlertConfig = z.infer<typeof alertConfig>;
export type AlertConfigInput = z.input<typeof alertConfig>;

/** One stretch of consecutive breaching days of one rule and group. */
export const alertBreach = z.object({
	rule_id: z.string(),
	metric: metricId,
	field: z.string(),
	op: z.enum(['>', '<']),
	threshold: z.number(),
	/** Group values, e.g. { rec_arm: 'rl-watchtime' }; empty for an ungrouped rule. */
	group: z.record(z.string(), z.string()),
	started: z.string(),
	last: z.string(),
	days: z.number(),
	/** Still breaching on the last evaluated day. */
	active: z.boolean(),
	latest_value: z.number(),
	worst_value: z.number()
});
export type AlertBreach = z.infer<typeof alertBreach>;

export interface AlertEvaluation {
	from: string;
	/** Last evaluated day (inclusive); null when the warehouse is empty. */
	through: string | null;
	rules: AlertRule[];
	breaches: AlertBreach[];
	/** Rules that could not be evaluated (e.g. a component the metric does not have). */
	errors: { rule_id: string; error: string }[];
}
