import { describe, expect, it } from 'vitest';
import { drilldownRoles, metricPage, metricRoles, pagesFor, requirementFor, roles, routedPath, scopeGrants, uncleanPath } from '../../src/lib/server/auth/access.js';
import { metricIds, type MetricId } from '../../src/lib/contracts/metrics.js';
import { LoginLimiter } from '../../src/lib/server/auth/limiter.js';
import { hashPassword, verifyPassword, generatePassword } from '../../src/lib/server/auth/passwords.js';
import { newApiToken, sha256 } from '../../src/lib/server/auth/secrets.js';
import { redact } from '../../src/lib/server/http/redact.js';
import { checkBodySize } from '../../src/lib/server/http/limits.js';
import { AuthMirror, type Snapshot, type UserRow } from '../../src/lib/server/auth/mirror.js';

const noUserRows = () => false;
const userRows = () => true;

describe('access table', () => {
	it('places every metric on a page', () => {
		expect(Object.keys(metricPage).sort()).toEqual([...metricIds].sort());
	});

	it('gives each role its pages and nothing more', () => {
		expect(pagesFor('exec')).toEqual(['/', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(pagesFor('finance')).toEqual(['/', '/compute', '/revenue', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(pagesFor('product')).toEqual(['/', '/engagement', '/feed-health', '/unit-economics', '/glossary', '/annotations', '/digest']);
		expect(pagesFor('admin')).toHaveLength(11);
		expect(pagesFor(undefined)).toEqual([]);
	});

	it('lets metric access follow the page: revenue detail for finance, engagement for product', () => {
		expect(metricRoles('mrr')).toEqual(['finance', 'admin']);
		expect(metricRoles('satisfaction_rate')).toEqual(['product', 'admin']);
		expect(metricRoles('compute_spend')).toEqual(roles);
		expect(metricRoles('idle_cost')).toEqual(['finance', 'admin']);
	});

	it('never gives user-level drill-down rows to exec or finance', () => {
		for (const id of metricIds as readonly MetricId[]) {
			const r = drilldownRoles(id, true);
			expect(r).not.toContain('exec');
			expect(r).not.toContain('finance');
		}
		expect(requirementFor('/glossary/watch_hours/rows', 'GET', userRows)).toMatchObject({ roles: ['product', 'admin'], drilldown: true });
		expect(requirementFor('/api/v1/metrics/watch_hours/rows', 'GET', userRows)).toMatchObject({ roles: ['product', 'admin'], scopes: [] });
		expect(requirementFor('/api/v1/metrics/compute_spend/rows', 'GET', noUserRows)).toMatchObject({ roles, scopes: ['metrics:read'] });
		const sql = requirementFor('/api/v1/metrics/watch_hours/sql', 'GET', userRows);
		expect(sql).toMatchObject({ roles: [...roles] });
		expect(sql.kind === 'roles' && sql.drilldown).toBeFalsy();
	});

	it('lets finance read restatements and closed months, and only admins close or reopen a month', () => {
		expect(requirementFor('/api/v1/finance/restatements', 'GET', noUserRows)).toMatchObject({ roles: ['finance', 'admin'], scopes: ['metrics:read'] });
		expect(requirementFor('/api/v1/finance/months', 'GET', noUserRows)).toMatchObject({ roles: ['finance', 'admin'] });
		const close = requirementFor('/api/v1/finance/months', 'POST', noUserRows);
		expect(close).toMatchObject({ roles: ['admin'] });
		expect(close.kind === 'roles' && close.scopes).toBeFalsy();
	});

	it('keeps public only what must be', () => {
		expect(requirementFor('/login', 'POST', noUserRows).kind).toBe('public');
		expect(requirementFor('/healthz', 'GET', noUserRows).kind).toBe('public');
		expect(requirementFor('/api/v1/stripe/webhook', 'POST', noUserRows).kind).toBe('public');
		expect(requirementFor('/api/v1/stripe/webhook', 'GET', noUserRows).kind).toBe('roles');
		expect(requirementFor('/_app/remote/abc', 'POST', noUserRows)).toMatchObject({ roles: ['admin'], unclassified: true });
		expect(requirementFor('/something-new', 'GET', noUserRows)).toMatchObject({ roles: ['admin'], unclassified: true });
	});

	it('makes shared-state form actions admin-only', () => {
		expect(requirementFor('/feed-health', 'GET', noUserRows)).toMatchObject({ roles: ['product', 'admin'] });
		expect(requirementFor('/feed-health', 'POST', noUserRows)).toMatchObject({ roles: ['admin'] });
		expect(requirementFor('/api/v1/alerts', 'PUT', noUserRows)).toMatchObject({ roles: ['admin'] });
	});

	it('matches ingest scopes per source, with ingest:* for all', () => {
		expect(requirementFor('/api/v1/ingest/videos', 'POST', noUserRows)).toMatchObject({ roles: ['admin'], scopes: ['ingest:videos'] });
		expect(scopeGrants(['ingest:*'], 'ingest:videos')).toBe(true);
		expect(scopeGrants(['ingest:users'], 'ingest:videos')).toBe(false);
		expect(scopeGrants(['ingest:*'], 'metrics:read')).toBe(false);
	});
});

describe('passwords', () => {
	// scrypt is meant to be slow (~0.1 s each, more on a busy machine): six of them here.
	it('hashes with a salt and verifies only the right password', { timeout: 60_000 }, async () => {
		const a = await hashPassword('correct horse battery');
		const b = await hashPassword('correct horse battery');
		expect(a).not.toBe(b);
		expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
		expect(await verifyPassword('correct horse battery', a)).toBe(true);
		expect(await verifyPassword('correct horse batterY', a)).toBe(false);
		expect(await verifyPassword('anything', undefined)).toBe(false);
		expect(await verifyPassword('anything', '')).toBe(false);
		expect(await verifyPassword('x', 'md5$abc')).toBe(false);
	});

	it('generates 20-character passwords from an unambiguous alphabet', () => {
		const p = generatePassword();
		expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
		expect(generatePassword()).not.toBe(p);
	});
});

describe('the path access is decided on', () => {
	it('is rebuilt from the matched route and its decoded parameters', () => {
		expect(routedPath('/glossary/[id]/rows', { id: 'mrr' })).toBe('/glossary/mrr/rows');
		expect(routedPath('/api/v1/metrics/[id]', { id: 'watch_hours' })).toBe('/api/v1/metrics/watch_hours');
		expect(routedPath('/(app)/revenue', {})).toBe('/revenue');
		expect(routedPath('/', {})).toBe('/');
	});
	it('refuses a parameter that holds a separator or control character', () => {
		expect(routedPath('/glossary/[id]/rows', { id: 'mrr/x' })).toBeUndefined();
		expect(routedPath('/glossary/[id]/rows', { id: 'mrr\\x' })).toBeUndefined();
		expect(routedPath('/glossary/[id]/rows', { id: 'm%72r' })).toBeUndefined();
		expect(routedPath('/glossary/[id]/rows', { id: 'mrr\n' })).toBeUndefined();
	});
	it('refuses raw paths with any escape, backslash or control character', () => {
		for (const p of ['/glossary/%6Drr/rows', '/glossary/%6drr/rows', '/glossary/%256Drr/rows', '/glossary/mrr%2Frows', '/a\\b', '/a\tb']) expect(uncleanPath(p), p).toBeDefined();
		expect(uncleanPath('/glossary/mrr/rows')).toBeUndefined();
	});
});

describe('login limiter', () => {
	const opts = { maxFailures: 3, ipMaxFailures: 5, lockoutMs: 60_000 };

	it('locks an account after maxFailures, then lets it try again after the lockout', () => {
		const l = new LoginLimiter(opts);
		const t = 1_000_000;
		expect(l.fail('1.1.1.1', 'ana', t)).toBe(false);
		expect(l.fail('2.2.2.2', 'ana', t + 1)).toBe(false);
		expect(l.fail('3.3.3.3', 'ANA', t + 2)).toBe(true); // names are case-insensitive; any address counts
		expect(l.check('4.4.4.4', 'ana', t + 3)).toEqual({ allowed: false, reason: 'account', retryAfterSec: 60 });
		expect(l.check('4.4.4.4', 'ana', t + 60_003)).toEqual({ allowed: true });
	});

	it('refuses an address after ipMaxFailures across accounts, within the window', () => {
		const l = new LoginLimiter(opts);
		for (let i = 0; i < 5; i++) l.fail('9.9.9.9', `user${i}`, 1000 + i);
		expect(l.check('9.9.9.9', 'someone', 2000)).toMatchObject({ allowed: false, reason: 'address' });
		expect(l.check('8.8.8.8', 'someone', 2000)).toEqual({ allowed: true });
		expect(l.check('9.9.9.9', 'someone', 1000 + 60_001)).toEqual({ allowed: true });
	});

	it('a success clears the account counter', () => {
		const l = new LoginLimiter(opts);
		l.fail('1.1.1.1', 'bo', 1);
		l.fail('1.1.1.1', 'bo', 2);
		l.succeed('bo');
		expect(l.fail('1.1.1.1', 'bo', 3)).toBe(false);
		expect(l.check('1.1.1.1', 'bo', 4)).toEqual({ allowed: true });
	});
});

describe('login limiter under a burst', () => {
	const opts = { maxFailures: 5, ipMaxFailures: 20, lockoutMs: 60_000, maxConcurrent: 100 };

	it('30 attempts reserved before any of them ends: only maxFailures are let through', () => {
		const l = new LoginLimiter(opts);
		const started = Array.from({ length: 30 }, (_, i) => l.begin(`10.0.0.${i}`, 'ana', 1000));
		expect(started.filter((s) => s.allowed)).toHaveLength(5);
		expect(started.filter((s) => !s.allowed).every((s) => !s.allowed && s.reason === 'account')).toBe(true);
		const locks = started.map((s) => (s.allowed ? s.attempt.fail(1001) : false));
		expect(locks.filter(Boolean)).toHaveLength(1);
		expect(l.check('10.0.1.1', 'ana', 1002)).toMatchObject({ allowed: false, reason: 'account', retryAfterSec: 60 });
	});

	it('caps the sign-ins one address has in flight, whatever the accounts', () => {
		const l = new LoginLimiter({ ...opts, maxConcurrent: 3 });
		const started = Array.from({ length: 10 }, (_, i) => l.begin('9.9.9.9', `user${i}`, 1000));
		expect(started.filter((s) => s.allowed)).toHaveLength(3);
		expect(started.at(-1)).toMatchObject({ allowed: false, reason: 'busy' });
		expect(l.begin('8.8.8.8', 'other', 1000).allowed).toBe(true);
		for (const s of started) if (s.allowed) s.attempt.release();
		expect(l.begin('9.9.9.9', 'user9', 1001).allowed).toBe(true);
	});

	it('an attempt ends once: a second fail or release changes nothing', () => {
		const l = new LoginLimiter({ ...opts, maxFailures: 2 });
		const a = l.begin('1.1.1.1', 'bo', 1);
		if (!a.allowed) throw new Error('refused');
		expect(a.attempt.fail(2)).toBe(false);
		expect(a.attempt.fail(3)).toBe(false);
		a.attempt.release();
		expect(l.check('1.1.1.1', 'bo', 4)).toEqual({ allowed: true });
	});
});

describe('secrets', () => {
	it('tokens are lm_ + 32 random bytes, identified by the start of their digest', () => {
		const t = newApiToken();
		expect(t.token).toMatch(/^lm_[\w-]{43}$/);
		expect(t.hash).toBe(sha256(t.token));
		expect(t.id).toBe(t.hash.slice(0, 12));
	});

	it('redacts tokens, Stripe keys, URL passwords and bearer headers', () => {
		const text = redact(
			'token lm_abcdefghijklmnop, key sk_live_51Habc, whsec_abc123, http://user:hunter2@ch:8123/, Authorization: Bearer xyz.abc, password=hunter2'
		);
		expect(text).not.toMatch(/abcdefghijklmnop|51Habc|whsec_abc123|hunter2|xyz\.abc/);
		expect(text).toContain('lm_[redacted]');
	});
});

describe('body limits', () => {
	const req = (headers: Record<string, string>, body?: string) => new Request('http://x/login', { method: 'POST', headers, body });

	it('refuses declared bodies over the limit and unknown lengths outside uploads', () => {
		expect(checkBodySize(req({ 'content-length': String(2 * 1024 * 1024) }, 'x'), '/login')).toMatchObject({ status: 413 });
		expect(checkBodySize(req({ 'content-length': '10' }, '0123456789'), '/login')).toBeUndefined();
		expect(checkBodySize(req({ 'content-length': String(2 * 1024 * 1024) }, 'x'), '/api/v1/ingest/videos')).toBeUndefined();
		expect(checkBodySize(new Request('http://x/', { method: 'GET' }), '/')).toBeUndefined();
	});
});

describe('auth mirror', () => {
	const user = (name: string): UserRow => ({ name, role: 'exec', password_hash: 'h', must_change_password: false, sessions_valid_after: '2026-01-01 00:00:00.000' });
	const snapshot = (...names: string[]): Snapshot => ({ users: new Map(names.map((n) => [n, user(n)])), sessions: new Map(), tokens: new Map() });

	it('shows a write of this process at once, and keeps it when a load that began before it ends', async () => {
		let release!: (s: Snapshot) => void;
		const loads: Snapshot[] = [snapshot('ana')];
		const m = new AuthMirror(() => (loads.length ? Promise.resolve(loads.shift()!) : new Promise<Snapshot>((r) => (release = r))));
		await m.refresh();
		expect([...m.data!.users.keys()]).toEqual(['ana']);
		// A load starts, reading the table before bo was written…
		const slow = m.refresh();
		m.apply({ kind: 'user', name: 'bo', row: user('bo') });
		m.apply({ kind: 'user', name: 'ana' });
		expect([...m.data!.users.keys()]).toEqual(['bo']);
		release(snapshot('ana'));
		await slow;
		// …and does not undo either write.
		expect([...m.data!.users.keys()]).toEqual(['bo']);
		// A load that began after the writes is taken as read.
		loads.push(snapshot('ana', 'cy'));
		await m.refresh();
		expect([...m.data!.users.keys()].sort()).toEqual(['ana', 'cy']);
	});

	it('keeps the last copy when a load fails, and says why until a load succeeds', async () => {
		let fail = false;
		const m = new AuthMirror(async () => {
			if (fail) throw new Error('warehouse unreachable');
			return snapshot('ana');
		});
		await m.refresh();
		fail = true;
		await expect(m.refresh()).rejects.toThrow('warehouse unreachable');
		expect(m.data!.users.has('ana')).toBe(true);
		expect((m.failure as Error).message).toBe('warehouse unreachable');
		fail = false;
		await m.refresh();
		expect(m.failure).toBeUndefined();
	});

	it('joins a load already under way instead of starting another', async () => {
		let calls = 0;
		const m = new AuthMirror(async () => {
			calls += 1;
			await new Promise((r) => setTimeout(r, 10));
			return snapshot();
		});
		await Promise.all([m.refresh(), m.refresh(), m.refresh()]);
		expect(calls).toBe(1);
	});
});
