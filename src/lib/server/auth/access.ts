import { z } from 'zod';
import { metricIds, type MetricId } from '../../contracts/metrics.js';
import { listMetrics } from '../metrics/registry.js';

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
	'/annotations': ALL,
	'/digest': ALL,
	'/admin': ADMIN
} as const satisfies Record<string, readonly Role[]>;
export type PagePath = keyof typeof pages;

export function pagesFor(r: Role | undefined): PagePath[] {
	if (!r) return [];
	return (Object.keys(pages) as PagePath[]).filter((p) => (pages[p] as readonly Role[]).includes(r));
}

/**
 * The page each metric belongs to, as its definition says (metrics/definitions/);
 * the metric API, its CSV and its drill-down follow that page's roles. Headline
 * figures shown to execs on Overview and Unit economics are exec metrics; their
 * detailed breakdowns stay with finance or product.
 */
export const metricPage: Record<MetricId, PagePath> = Object.fromEntries(listMetrics().map((d) => [d.id, d.page satisfies PagePath])) as Record<MetricId, PagePath>;

export function metricRoles(id: MetricId): readonly Role[] {
	return pages[metricPage[id]];
}

/** A drill-down with user-level rows is shown only to roles allowed both the metric and user-level data. */
export function drilldownRoles(id: MetricId, hasUserRows: boolean): readonly Role[] {
	const base = metricRoles(id);
	return hasUserRows ? base.filter((r) => userLevelRoles.includes(r)) : base;
}

export const ingestScopes = ['engagement', 'videos', 'users', 'generation_jobs', 'gpu_fleet', 'ad_revenue', 'gpu_price_sheets', 'gpu_invoices', 'budgets', 'fx_rates', 'stripe_events'] as const;
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
const adminWrites = new Set<PagePath>(['/feed-health', '/ingest', '/admin', '/glossary']); // not /annotations: anyone may annotate, signed and audited

/**
 * The path the router actually matched, rebuilt from its route id and its
 * decoded parameters: the one thing access is decided on. Classifying the raw
 * URL instead let `/glossary/%6Drr/rows` (which the router decodes to `mrr`)
 * slip past the rule for `/glossary/mrr/rows`. Returns undefined when a
 * parameter holds a separator or control character, so it could not be told
 * apart from more segments: such requests are refused, not guessed at.
 */
export function routedPath(routeId: string, params: Readonly<Record<string, string>>): string | undefined {
	let smuggled = false;
	const path = routeId
		.split('/')
		// Layout groups `(name)` are not part of the URL.
		.filter((seg) => !/^\(.+\)$/.test(seg))
		.map((seg) =>
			seg.replace(/\[{1,2}(?:\.\.\.)?([A-Za-z0-9_]+)(?:=[A-Za-z0-9_]+)?\]{1,2}/g, (_, name: string) => {
				const value = params[name] ?? '';
				if (/[/\\%\u0000-\u001f\u007f]/.test(value)) smuggled = true;
				return value;
			})
		)
		.join('/');
	return smuggled ? undefined : path.replace(/\/{2,}/g, '/') || '/';
}

/**
 * Why a raw request path is refused before any rule is looked up: no route of
 * Loopmeter needs a percent-escape, so any escape (encoded letters, mixed-case
 * `%6d`, double-encoded `%256D`, encoded slashes) or a backslash is an attempt
 * to make the path mean one thing to the access table and another to the router.
 */
export function uncleanPath(rawPath: string): string | undefined {
	if (rawPath.includes('%')) return 'Paths with percent-encoded characters are refused: request the plain path.';
	if (/[\\\u0000-\u001f\u007f]/.test(rawPath)) return 'Paths with backslashes or control characters are refused.';
	return undefined;
}

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
		// Annotations: everyone reads them (they are on every chart) and may add or remove one (author and audit entry kept).
		if (c === 'annotations' && seg.length <= 4) return { kind: 'roles', roles: ALL, scopes: write ? [] : ['metrics:read'] };
		// Experiment readouts: product's arm comparisons (aggregates only, no user rows).
		if (c === 'experiments' && seg.length === 4) return write ? { kind: 'roles', roles: ADMIN } : { kind: 'roles', roles: PRODUCT, scopes: ['metrics:read'] };
		// Budgets: finance reads them; only admins set one (audited, docs/finance.md "Forecast and break-even").
		if (c === 'budgets' && seg.length === 3) return write ? { kind: 'roles', roles: ADMIN } : { kind: 'roles', roles: FINANCE, scopes: ['metrics:read'] };
		// Rate history: restatements and closed months are finance's to read; closing or reopening a month is for admins.
		if (c === 'finance' && seg.length === 4 && (d === 'restatements' || d === 'months')) {
			return write ? { kind: 'roles', roles: ADMIN } : { kind: 'roles', roles: FINANCE, scopes: ['metrics:read'] };
		}
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
