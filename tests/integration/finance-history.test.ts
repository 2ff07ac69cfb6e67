import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open, dataDir } = useTempWarehouse('loopmeter-finance-history-');
import { buildRateHistory, HISTORY_PERIOD } from '../helpers/finance-history-fixture.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { changeMonthClose, listMonthCloses, MonthCloseError, restatementReport } from '../../src/lib/server/finance-history/index.js';
import { closeWarehouse, query } from '../../src/lib/server/warehouse/index.js';
import { GET as restatementsGET } from '../../src/routes/api/v1/finance/restatements/+server.js';
import { GET as monthsGET, POST as monthsPOST } from '../../src/routes/api/v1/finance/months/+server.js';
import { GET as metricGET } from '../../src/routes/api/v1/metrics/[id]/+server.js';
import { actions as monthActions } from '../../src/routes/admin/months/+page.server.js';

// The hand fixture and its figures: tests/helpers/finance-history-fixture.ts.
const PERIOD = HISTORY_PERIOD;
const CENT = 2;
const monthlySpend = async (extra: object = {}) =>
	Object.fromEntries((await runMetric({ metric: 'compute_spend', ...PERIOD, grain: 'month', ...extra })).response.rows.map((r) => [r.period, r.value as number]));

let firstLoad: Date;
let secondLoad: Date;
let closedAt: Date;
beforeAll(async () => {
	await open();
	({ firstLoad, closedAt, secondLoad } = await buildRateHistory());
});

describe('rate history: every load of a fleet row is kept', () => {
	it('keeps both loads of the corrected row with their load times; gpu_fleet itself holds the latest', async () => {
		const versions = await query<{ rate: string }>(`SELECT toString(rental_usd_per_gpu_hour) AS rate FROM gpu_fleet_versions ORDER BY loaded_at`, { tag: 'test:versions' });
		expect(versions.map((v) => Number(v.rate))).toEqual([1.5, 1.75]);
		expect(secondLoad.getTime()).toBeGreaterThan(closedAt.getTime());
		const [latest] = await query<{ rate: string }>(`SELECT toString(rental_usd_per_gpu_hour) AS rate FROM gpu_fleet FINAL`, { tag: 'test:final' });
		expect(Number(latest!.rate)).toBe(1.75);
	});

	it('computes today’s figures from the latest load', async () => {
		const spend = await monthlySpend();
		expect(spend['2026-09-01']).toBeCloseTo(2520, CENT);
		expect(spend['2026-10-01']).toBeCloseTo(2604, CENT);
	});
});

describe('as_of: the figures as they were reported then', () => {
	it('before the correction, spend is computed from the first load', async () => {
		const spend = await monthlySpend({ as_of: closedAt.toISOString() });
		expect(spend['2026-09-01']).toBeCloseTo(2160, CENT);
		expect(spend['2026-10-01']).toBeCloseTo(2232, CENT);
	});

	it('at the correction’s load time, spend is computed from the correction', async () => {
		const spend = await monthlySpend({ as_of: secondLoad.toISOString() });
		expect(spend['2026-09-01']).toBeCloseTo(2520, CENT);
		const justBefore = await monthlySpend({ as_of: new Date(secondLoad.getTime() - 1).toISOString() });
		expect(justBefore['2026-09-01']).toBeCloseTo(2160, CENT);
	});

	it('before any load there is no spend, and everything built on spend follows (margin per plan line)', async () => {
		expect(await monthlySpend({ as_of: new Date(firstLoad.getTime() - 1).toISOString() })).toEqual({});
		const margin = async (as_of?: string) =>
			(await runMetric({ metric: 'gross_margin', ...PERIOD, grain: 'total', as_of })).response.rows[0]!.margin_usd as number;
		expect(await margin(closedAt.toISOString())).toBeCloseTo(5500 - 2160 - 2232, CENT);
		expect(await margin()).toBeCloseTo(5500 - 2520 - 2604, CENT);
	});

	it('says which as_of it shows, and rejects a malformed one naming the field', async () => {
		const { response } = await runMetric({ metric: 'compute_spend', ...PERIOD, grain: 'total', as_of: '2026-10-05' });
		expect(response.as_of).toBe('2026-10-05T23:59:59.999Z');
		await expect(runMetric({ metric: 'compute_spend', ...PERIOD, as_of: 'last tuesday' })).rejects.toThrow(/^as_of: must be a date/);
	});
});

describe('restatements and closed months', () => {
	it('lists the correction with its old and new rate and its load time', async () => {
		const report = await restatementReport(PERIOD);
		expect(report.corrections).toHaveLength(1);
		expect(report.corrections[0]).toMatchObject({
			source: 'gpu_fleet',
			cluster: 'rent-h',
			old_values: 'rental_usd_per_gpu_hour 1.5',
			new_values: 'rental_usd_per_gpu_hour 1.75',
			loaded_at: secondLoad.toISOString(),
			previous_loaded_at: firstLoad.toISOString()
		});
	});

	it('restates every month by the correction, spend and margin, to the cent', async () => {
		const byMonth = Object.fromEntries((await restatementReport(PERIOD)).restatements.map((r) => [r.month, r]));
		expect(byMonth['2026-09-01']!.spend_before_usd).toBeCloseTo(2160, CENT);
		expect(byMonth['2026-09-01']!.spend_after_usd).toBeCloseTo(2520, CENT);
		expect(byMonth['2026-09-01']!.spend_restatement_usd).toBeCloseTo(360, CENT);
		expect(byMonth['2026-09-01']!.margin_before_usd).toBeCloseTo(840, CENT);
		expect(byMonth['2026-09-01']!.margin_restatement_usd).toBeCloseTo(-360, CENT);
		expect(byMonth['2026-10-01']!.spend_restatement_usd).toBeCloseTo(372, CENT);
		expect(byMonth['2026-10-01']!.margin_after_usd).toBeCloseTo(-104, CENT);
	});

	it('a closed month shows what was reported at close and, beside it, the restatement since; an open month only its figure now', async () => {
		const byMonth = Object.fromEntries((await restatementReport(PERIOD)).months.map((m) => [m.month, m]));
		const sep = byMonth['2026-09-01']!;
		expect(sep).toMatchObject({ closed: true, closed_as_of: closedAt.toISOString(), closed_by: 'finance-history-test' });
		expect(sep.reported_spend_usd!).toBeCloseTo(2160, CENT);
		expect(sep.spend_now_usd).toBeCloseTo(2520, CENT);
		expect(sep.spend_restatement_usd!).toBeCloseTo(360, CENT);
		expect(sep.reported_margin_usd!).toBeCloseTo(840, CENT);
		expect(sep.margin_now_usd).toBeCloseTo(480, CENT);
		expect(sep.margin_restatement_usd!).toBeCloseTo(-360, CENT);
		const oct = byMonth['2026-10-01']!;
		expect(oct).toMatchObject({ closed: false, reported_spend_usd: null, spend_restatement_usd: null });
		expect(oct.spend_now_usd).toBeCloseTo(2604, CENT);
	});

	it('closing is refused for a closed month, a month not yet ended and a bad month; reopening is audited', async () => {
		await expect(changeMonthClose({ month: '2026-09' }, 'x')).rejects.toThrow(/2026-09 is already closed/);
		await expect(changeMonthClose({ month: '2026-11' }, 'x', { now: new Date('2026-11-20T00:00:00Z') })).rejects.toThrow(/has not ended yet/);
		await expect(changeMonthClose({ month: 'Sept' }, 'x')).rejects.toThrow(MonthCloseError);
		await changeMonthClose({ month: '2026-10', note: 'October' }, 'admin-a', { now: new Date('2026-11-03T09:00:00Z') });
		await changeMonthClose({ month: '2026-10', action: 'reopen' }, 'admin-b', { now: new Date('2026-11-04T09:00:00Z') });
		const oct = (await listMonthCloses()).find((c) => c.month === '2026-10-01')!;
		expect(oct).toMatchObject({ closed: false, actor: 'admin-b', as_of: '2026-11-03T09:00:00.000Z' });
		const log = await query<{ action: string; target: string; actor: string }>(
			`SELECT action, target, actor FROM audit_log WHERE startsWith(action, 'month.') ORDER BY ts`,
			{ tag: 'test:audit' }
		);
		expect(log).toEqual([
			{ action: 'month.close', target: '2026-09', actor: 'finance-history-test' },
			{ action: 'month.close', target: '2026-10', actor: 'admin-a' },
			{ action: 'month.reopen', target: '2026-10', actor: 'admin-b' }
		]);
	});
});

describe('API and CLI', () => {
	const admin = { auth: { kind: 'session', user: { name: 'api-admin', role: 'admin' } } };
	const call = async (handler: (e: never) => unknown, url: string, extra: object = {}) => {
		try {
			return (await handler({ url: new URL(url), request: new Request(url), params: {}, locals: admin, getClientAddress: () => '127.0.0.1', ...extra } as never)) as Response;
		} catch (e) {
			// SvelteKit's error(): a status and a message.
			const err = e as { status: number; body: { message: string } };
			return new Response(err.body.message, { status: err.status });
		}
	};

	it('GET /api/v1/metrics/compute_spend?as_of= answers as reported then, and says so', async () => {
		const qs = `from=${PERIOD.from}&to=${PERIOD.to}&grain=month&as_of=${encodeURIComponent(closedAt.toISOString())}`;
		const res = await call(metricGET, `http://x/api/v1/metrics/compute_spend?${qs}`, { params: { id: 'compute_spend' } });
		const body = await res.json();
		expect(body.as_of).toBe(closedAt.toISOString());
		expect(body.rows.map((r: { value: number }) => Math.round(r.value * 100) / 100)).toEqual([2160, 2232]);
	});

	it('GET /api/v1/finance/restatements gives the report as JSON and each table as CSV; a bad period is a 400 naming the field', async () => {
		const json = await (await call(restatementsGET, `http://x/api/v1/finance/restatements?from=${PERIOD.from}&to=${PERIOD.to}`)).json();
		expect(json.months[0].spend_restatement_usd).toBeCloseTo(360, CENT);
		const csv = await (await call(restatementsGET, `http://x/api/v1/finance/restatements?from=${PERIOD.from}&to=${PERIOD.to}&format=csv&table=months`)).text();
		expect(csv.split('\n')[0]).toBe(
			'month,closed,closed_as_of,closed_by,reported_spend_usd,spend_now_usd,spend_restatement_usd,reported_margin_usd,margin_now_usd,margin_restatement_usd'
		);
		expect(csv.split('\n')[1]).toMatch(/^2026-09-01,true,.*,2160,2520,360,840,480,-360$/);
		const bad = await call(restatementsGET, `http://x/api/v1/finance/restatements?from=2026-13-01&to=${PERIOD.to}`);
		expect(bad.status).toBe(400);
		expect(await bad.text()).toMatch(/^from:/);
	});

	it('POST /api/v1/finance/months closes a month as the caller; a refused close is a 400 saying why', async () => {
		const post = (body: object) => call(monthsPOST, 'http://x/api/v1/finance/months', { request: new Request('http://x/api/v1/finance/months', { method: 'POST', body: JSON.stringify(body) }) });
		const closed = await post({ month: '2026-10', note: 'October books' });
		expect(closed.status).toBe(201);
		expect(await closed.json()).toMatchObject({ month: '2026-10-01', closed: true, actor: 'api-admin' });
		const again = await post({ month: '2026-10' });
		expect(again.status).toBe(400);
		expect(await again.text()).toMatch(/already closed/);
		const list = await (await call(monthsGET, 'http://x/api/v1/finance/months')).json();
		expect(list.months.map((m: { month: string; closed: boolean }) => [m.month, m.closed])).toEqual([['2026-09-01', true], ['2026-10-01', true]]);
	});

	it('the admin page reopens a month as the signed-in admin; others are refused', async () => {
		const submit = (role: string, fields: Record<string, string>) =>
			monthActions.change!({
				locals: { auth: { kind: 'session', user: { name: `page-${role}`, role } } },
				request: new Request('http://x/admin/months?/change', { method: 'POST', body: new URLSearchParams(fields) }),
				getClientAddress: () => '127.0.0.1'
			} as never);
		await expect(submit('finance', { month: '2026-10', action: 'reopen' })).rejects.toMatchObject({ status: 403 });
		expect(await submit('admin', { month: '2026-10', action: 'reopen' })).toMatchObject({ message: expect.stringMatching(/^2026-10 reopened/) });
		expect(await submit('admin', { month: '2026-10', action: 'reopen' })).toMatchObject({ status: 400, data: { error: 'month 2026-10 is not closed' } });
		const [entry] = await query<{ actor: string; ip: string }>(
			`SELECT actor, ip FROM audit_log WHERE action = 'month.reopen' ORDER BY ts DESC LIMIT 1`,
			{ tag: 'test:audit-page' }
		);
		expect(entry).toEqual({ actor: 'page-admin', ip: '127.0.0.1' });
	});

	it('the CLI answers --as-of and prints the restatements, same numbers', async () => {
		// chDB allows one process per data directory: hand it to the CLI (closing it closes the control lane too).
		await closeWarehouse();
		const run = (args: string[]) => promisify(execFile)('node', ['bin/loopmeter.js', ...args], { env: { ...process.env, LOOPMETER_DATA: dataDir }, timeout: 120_000 });
		const asOf = JSON.parse((await run(['metrics', 'compute_spend', '--from', PERIOD.from, '--to', PERIOD.to, '--grain', 'total', '--as-of', closedAt.toISOString(), '--json'])).stdout);
		expect(asOf.rows[0].value).toBeCloseTo(2160 + 2232, CENT);
		const csv = (await run(['restatements', '--from', PERIOD.from, '--to', PERIOD.to, '--csv'])).stdout.trim().split('\n');
		expect(csv).toHaveLength(3);
		expect(csv[1]).toMatch(/^2026-09-01,.*,2160,2520,360,840,480,-360$/);
		await open();
	}, 300_000);
});
