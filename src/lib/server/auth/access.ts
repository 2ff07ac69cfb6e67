import { z } from 'zod';
import { metricIds, type MetricId } from '../../contracts/metrics.js';

/**
 * Who may see what: the one table every page, API route, CSV export and
 * drill-down is checked against (by hooks.server.ts, before any handler runs).
 * A path that matches no rule is admin-only: new routes are denied to ordinary
 * roles until someone classifies them here (the role-matrix test lists them).
 */
export const roles = ['exec', 'finance', 'product', 'admin'] as const;
export const role = z.enum(roles, { message: `role must be one of: ${roles.join(', ')}` });
export type Role = z.infer<typeof role>;

const ALL: readonly Role[] = roles;
const FINANCE: readonly Role[] = ['finance', 'admin'];
const PRODUCT: readonly Role[] = ['product', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/** Roles allowed to see rows about individual end users (impressions, sessions…). */
export const userLevelRoles: readonly Role[] = PRODUCT;

/** Pages of the navigation, in order, with who sees them. */
export const pages = {
	'/': ALL,
	'/compute': FINANCE,
	'/revenue': FINANCE,
	'/engagement': PRODUCT,
	'/feed-health': PRODUCT,
	'/unit-economics': ALL,
	'/ingest': ADMIN,
	'/glossary': ALL,
	'/admin': ADMIN
} as const satisfies Record<string, readonly Role[]>;
export type PagePath = keyof typeof pages;

export function pagesFor(r: Role | undefined): PagePath[] {
	if (!r) return [];
	return (Object.keys(pages) as PagePath[]).filter((p) => (pages[p] as readonly Role[]).includes(r));
}

/**
 * The page each metric belongs to; the metric API, its CSV and its drill-down
 * follow that page's roles. Headline figures shown to execs on Overview and
 * Unit economics are exec metrics; their detailed breakdowns stay with finance
 * or product. Typed over every metric id, so a new metric must be placed here.
 */
export const metricPage: Record<MetricId, PagePath> = {
	// Overview / Unit economics headlines (every role).
	revenue: '/',
	compute_spend: '/',
	gross_margin: '/',
	margin_per_gpu_hour: '/',
	attention_to_compute: '/',
	slop_index: '/',
	watch_hours: '/',
	utilized_gpu_hours: '/',
	provisioned_gpu_hours: '/',
	arpu: '/unit-economics',
	compute_cost_per_user: '/unit-economics',
	attention_to_compute_cohort: '/unit-economics',
	// Finance depth: unit cost of output, shown on Compute and Unit economics (so execs see it too).
	cost_per_output_second: '/unit-economics',
	cost_per_clip: '/unit-economics',
	// Compute (finance).
	utilization: '/compute',
	idle_cost: '/compute',
	cost_per_gpu_hour: '/compute',
	dead_compute: '/compute',
	compute_invoice_variance: '/compute',
	budget_variance: '/compute',
	// Revenue (finance).
	subscription_revenue: '/revenue',
	ad_revenue: '/revenue',
	mrr: '/revenue',
	mrr_movements: '/revenue',
	// Engagement and feed health (product).
	satisfaction_rate: '/engagement',
	negative_rate: '/engagement',
	rapid_skip_rate: '/engagement',
	return_rate: '/engagement',
	active_users: '/engagement',
	sessions: '/engagement',
	retention: '/engagement',
	feed_diversity: '/feed-health',
	creator_concentration: '/feed-health',
	near_duplicate_share: '/feed-health',
	remix_depth: '/feed-health',
	novelty: '/feed-health',
	divergence: '/feed-health',
	long_session_share: '/feed-health',
	late_night_share: '/feed-health',
	autoplay_share: '/feed-health',
	ai_mix: '/feed-health',
	cameo_unconsented_share: '/feed-health',
	copyright_share: '/feed-health'
};

export function metricRoles(id: MetricId): readonly Role[] {
	return pages[metricPage[id]];
}

/** A drill-down with user-level rows is shown only to roles allowed both the metric and user-level data. */
export function drilldownRoles(id: MetricId, hasUserRows: boolean): readonly Role[] {
	const base = metricRoles(id);
	return hasUserRows ? base.filter((r) => userLevelRoles.includes(r)) : base;
}

export const ingestScopes = ['engagement', 'videos', 'users', 'generation_jobs', 'gpu_fleet', 'ad_revenue', 'gpu_price_sheets', 'gpu_invoices', 'budgets', 'stripe_events'] as const;
/** API token scopes: `ingest:<source>`, `ingest:*` (every source), `metrics:read`. */
export const scope = z.enum(['metrics:read', 'ingest:*', ...ingestScopes.map((s) => `ingest:${s}` as const)], {
	message: `scope must be one of: metrics:read, ingest:*, ${ingestScopes.map((s) => `ingest:${s}`).join(', ')}`
});
export type Scope = z.infer<typeof scope>;

export function scopeGrants(held: readonly string[], wanted: string): boolean {
	if (held.includes(wanted)) return true;
	return wanted.startsWith('ingest:') && held.includes('ingest:*');
}

/** What a request needs. */
export type Requirement =
	| { kind: 'public' }
	/** Any signed-in person, whatever the role (logout, password change). */
	| { kind: 'signed-in' }
	| {
			kind: 'roles';
			roles: readonly Role[];
			/** API tokens holding one of these scopes are accepted too. */
			scopes?: readonly string[];
			/** Set when the path is a metric's drill-down or export, for the audit log. */
			metric?: MetricId;
			drilldown?: boolean;
			/** No rule matched: admin only. */
			unclassified?: boolean;
	  };

const isMetric = (s: string | undefined): s is MetricId => !!s && (metricIds as readonly string[]).includes(s);
const isSource = (s: string | undefined): s is (typeof ingestScopes)[number] => !!s && (ingestScopes as readonly string[]).includes(s);
const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Pages whose form actions edit what everyone sees; on the others an action is a viewer's own setting. */
const adminWrites = new Set<PagePath>(['/feed-health', '/ingest', '/admin', '/glossary']);

/**
 * The requirement for a request. `hasUserRows` tells whether a metric's
 * drill-down lists end-user rows (from the metric registry, injected so this
 * table stays free of the registry's imports and is easy to test).
 */
export function requirementFor(path: string, method: string, hasUserRows: (id: MetricId) => boolean): Requirement {
	const seg = path.split('/').filter(Boolean);
	const [a, b, c, d] = seg;
	const write = WRITE.has(method.toUpperCase());

	// Framework assets and the sign-in pages.
	if (a === '_app' && (b === 'immutable' || b === 'version.json' || b === 'env.js')) return { kind: 'public' };
	if (seg.length === 1 && (a === 'favicon.ico' || a === 'favicon.png' || a === 'favicon.svg' || a === 'robots.txt')) return { kind: 'public' };
	if (path === '/healthz' || path === '/login') return { kind: 'public' };
	if (path === '/logout' || path === '/login/password') return { kind: 'signed-in' };

	if (a === 'api' && b === 'v1') {
		// Checks its own Stripe signature; nothing else is public under /api.
		if (c === 'stripe' && d === 'webhook' && seg.length === 4 && method === 'POST') return { kind: 'public' };
		if (c === 'metrics' && seg.length === 3) return { kind: 'roles', roles: ALL, scopes: ['metrics:read'] };
		if (c === 'metrics' && isMetric(d)) {
			if (seg.length === 4) return { kind: 'roles', roles: metricRoles(d), scopes: ['metrics:read'], metric: d };
			// Its definition and SQL text: whoever may see the metric.
			if (seg.length === 5 && seg[4] === 'sql') return { kind: 'roles', roles: metricRoles(d), scopes: ['metrics:read'], metric: d };
			// Anything else below a metric (rows) is a drill-down: tokens only when no user rows.
			const userRows = hasUserRows(d);
			return { kind: 'roles', roles: drilldownRoles(d, userRows), scopes: userRows ? [] : ['metrics:read'], metric: d, drilldown: true };
		}
		if (c === 'ingest' && seg.length === 4 && isSource(d)) return { kind: 'roles', roles: ADMIN, scopes: [`ingest:${d}`] };
		if (c === 'ingest') return { kind: 'roles', roles: ADMIN };
		if (c === 'tokens') return { kind: 'roles', roles: ADMIN };
		// Alert breaches are listed on Overview and Feed health (every role); changing thresholds is for admins.
		if (c === 'alerts' && seg.length === 3) return write ? { kind: 'roles', roles: ADMIN } : { kind: 'roles', roles: ALL, scopes: ['metrics:read'] };
		return { kind: 'roles', roles: ADMIN, unclassified: true };
	}

	// Drill-downs behind a glossary entry: /glossary/<metric>/rows[/…].
	if (a === 'glossary' && isMetric(b) && c !== undefined) {
		return { kind: 'roles', roles: drilldownRoles(b, hasUserRows(b)), metric: b, drilldown: true };
	}

	const page = `/${a ?? ''}` as PagePath;
	if (page in pages) {
		const view = pages[page] as readonly Role[];
		// Form actions that change shared state (alert thresholds, uploads, accounts) are for admins.
		if (write && adminWrites.has(page)) return { kind: 'roles', roles: ADMIN };
		return { kind: 'roles', roles: view };
	}
	return { kind: 'roles', roles: ADMIN, unclassified: true };
}
