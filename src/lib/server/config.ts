import { totalmem } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { mrrChurnPolicies, mrrDiscountPolicies, mrrSources } from '../contracts/mrr-policy.js';
import { idlePolicies } from '../contracts/metrics.js';

/**
 * Default memory cap of the embedded warehouse: 1.25 GiB, or a quarter of the
 * machine's RAM when that is less. Measured at 10 M impressions: the Overview's
 * Slop Index needs 1.25 GiB (it fails at 1 GiB: a set it builds cannot spill)
 * and peaks the process at 1.4 GiB RSS with it, 3.1 GiB without.
 */
export const DEFAULT_WAREHOUSE_MEMORY_MB = Math.max(256, Math.min(1280, Math.floor(totalmem() / 4 / 2 ** 20)));

/**
 * Process configuration, read once from the environment and validated here so a
 * typo fails at start-up with a sentence, not later with a stack trace.
 */
const envSchema = z
	.object({
		LOOPMETER_DATA: z.string().min(1).default('./data'),
		CLICKHOUSE_URL: z.url({ message: 'CLICKHOUSE_URL must be a URL such as http://localhost:8123' }).optional(),
		CLICKHOUSE_USER: z.string().default('default'),
		CLICKHOUSE_PASSWORD: z.string().default(''),
		CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'CLICKHOUSE_DATABASE must be a plain identifier').default('loopmeter'),
		CLICKHOUSE_CLUSTER: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'CLICKHOUSE_CLUSTER must be a cluster name from remote_servers').optional(),
		// Stripe (ingest/stripe). Secrets: never logged, never echoed in errors.
		STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_[A-Za-z0-9_]+$/, 'STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…)').optional(),
		STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9_]+$/, 'STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)').optional(),
		/** Another Stripe API base (stripe-mock, a recording proxy), e.g. http://127.0.0.1:12111 */
		STRIPE_API_BASE: z.url({ message: 'STRIPE_API_BASE must be a URL such as http://127.0.0.1:12111' }).optional(),
		/** Product/price metadata key holding the plan name. */
		STRIPE_PLAN_METADATA_KEY: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'STRIPE_PLAN_METADATA_KEY must be a metadata key').default('plan'),
		/** lookup_key → plan, e.g. "pro_monthly=pro,pro_yearly=pro"; unlisted keys map to their first word ("plus_monthly" → plus). */
		STRIPE_PLAN_LOOKUP_KEYS: z.string().regex(/^([^=,]+=[^=,]+)(,[^=,]+=[^=,]+)*$/, 'STRIPE_PLAN_LOOKUP_KEYS must look like lookup_key=plan,lookup_key=plan').optional(),
		// MRR source and revenue policies when a request does not choose (src/lib/contracts/mrr-policy.ts, docs/revenue.md).
		LOOPMETER_MRR_SOURCE: z.enum(mrrSources, { message: `LOOPMETER_MRR_SOURCE must be one of: ${mrrSources.join(', ')}` }).default('subscriptions'),
		LOOPMETER_MRR_DISCOUNTS: z.enum(mrrDiscountPolicies, { message: `LOOPMETER_MRR_DISCOUNTS must be one of: ${mrrDiscountPolicies.join(', ')}` }).default('forever'),
		LOOPMETER_MRR_CHURN: z.enum(mrrChurnPolicies, { message: `LOOPMETER_MRR_CHURN must be one of: ${mrrChurnPolicies.join(', ')}` }).default('period_end'),
		LOOPMETER_QUERY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
		/**
		 * Embedded warehouse: the most memory (MiB) its queries may hold together
		 * (chDB's max_server_memory_usage). GROUP BY, ORDER BY and JOIN spill to
		 * disk past half of it; a query that still needs more stops with an error.
		 * 0 leaves the engine's default (90 % of RAM). A ClickHouse server keeps its own.
		 */
		LOOPMETER_WAREHOUSE_MEMORY_MB: z.coerce
			.number({ message: 'LOOPMETER_WAREHOUSE_MEMORY_MB must be a number of MiB (0 = no cap)' })
			.int('LOOPMETER_WAREHOUSE_MEMORY_MB must be a whole number of MiB')
			.refine((n) => n === 0 || n >= 128, 'LOOPMETER_WAREHOUSE_MEMORY_MB must be 0 (no cap) or at least 128 MiB: the engine needs that much to run a query at all')
			.default(DEFAULT_WAREHOUSE_MEMORY_MB),
		/**
		 * Embedded warehouse: how many panel queries run at once, one connection
		 * each (unset: the cores, from 2 to 4). More run faster
		 * together only while cores and memory last: they share the memory cap.
		 */
		LOOPMETER_WAREHOUSE_CONNECTIONS: z.coerce
			.number({ message: 'LOOPMETER_WAREHOUSE_CONNECTIONS must be a number of connections' })
			.int('LOOPMETER_WAREHOUSE_CONNECTIONS must be a whole number')
			.min(1, 'LOOPMETER_WAREHOUSE_CONNECTIONS must be at least 1')
			.max(16, 'LOOPMETER_WAREHOUSE_CONNECTIONS must be at most 16: each connection holds its own query memory, and they share the cap')
			.optional(),
		// Alert thresholds per indicator (admin-editable); relative paths are from the project folder.
		LOOPMETER_ALERTS_FILE: z.string().min(1).default('config/alerts.json'),
		/** Who carries idle GPU capacity when a request names no idle_policy (docs/metrics.md "Finance depth"). */
		LOOPMETER_IDLE_POLICY: z.enum(idlePolicies, { message: `LOOPMETER_IDLE_POLICY must be one of: ${idlePolicies.join(', ')}` }).default('by_use'),
		PORT: z.coerce.number().int().min(0).max(65535).default(3000),
		HOST: z.string().default('127.0.0.1'),
		// Access control (src/lib/server/auth): see the README's Security section.
		LOOPMETER_AUTH: z.enum(['local', 'proxy'], { message: 'LOOPMETER_AUTH must be local or proxy' }).default('local'),
		/** Proxy mode: the header the reverse proxy puts the signed-in user's name in. */
		LOOPMETER_AUTH_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'LOOPMETER_AUTH_HEADER must be a header name').default('X-Forwarded-User'),
		/** Proxy mode: optional header carrying the role (exec, finance, product, admin). */
		LOOPMETER_AUTH_ROLE_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'LOOPMETER_AUTH_ROLE_HEADER must be a header name').optional(),
		/** Trust X-Forwarded-Proto (Secure cookies) because a TLS-terminating proxy sets it. */
		LOOPMETER_TRUST_PROXY: z.enum(['0', '1'], { message: 'LOOPMETER_TRUST_PROXY must be 0 or 1' }).default('0'),
		/**
		 * 1 turns on the demo sign-in (a browser on this machine is a demo admin once the
		 * demo is loaded). Off unless set: `loopmeter serve --demo-login` (what `npm start`
		 * runs) sets it when bound to loopback; 0 keeps it off even then.
		 */
		LOOPMETER_DEMO_LOGIN: z.enum(['0', '1'], { message: 'LOOPMETER_DEMO_LOGIN must be 0 or 1' }).optional(),
		/** adapter-node reads the client address from this header when set; loopback then proves nothing. */
		ADDRESS_HEADER: z.string().optional(),
		LOOPMETER_SESSION_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
		LOOPMETER_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
		LOOPMETER_LOGIN_LOCKOUT_MINUTES: z.coerce.number().positive().default(15),
		LOOPMETER_LOGIN_IP_MAX_FAILURES: z.coerce.number().int().positive().default(20),
		/** Sign-ins one address may have being checked at the same time (a burst waits for none: it is refused). */
		LOOPMETER_LOGIN_MAX_CONCURRENT: z.coerce.number().int().positive().default(4),
		/** Largest request body outside the upload routes. */
		LOOPMETER_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
		/** Largest ingest upload (file streamed to POST /api/v1/ingest/<source> or the Ingest page). */
		LOOPMETER_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(10 * 1024 ** 3)
	})
	.refine((env) => !env.CLICKHOUSE_CLUSTER || env.CLICKHOUSE_URL, {
		message: 'CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: a cluster is always reached through a server',
		path: ['CLICKHOUSE_CLUSTER']
	});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
	// Empty strings mean "unset" for every variable: shells and .env files produce them.
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const parsed = envSchema.safeParse(cleaned);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new ConfigError(`Configuration error in ${issue.path.join('.') || 'environment'}: ${issue.message}`);
	}
	return { ...parsed.data, dataDir: resolve(parsed.data.LOOPMETER_DATA) };
}
