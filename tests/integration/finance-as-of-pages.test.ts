import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'svelte/server';
import { useTempWarehouse } from '../helpers/warehouse.js';
const { open } = useTempWarehouse('loopmeter-finance-as-of-pages-');
import { buildRateHistory, HISTORY_PERIOD, loadFinanceFixture, type HistoryMoments } from '../helpers/finance-history-fixture.js';
import { signedIn, startDevServer, type TestServer } from '../helpers/auth.js';
import { load as unitEconomicsLoad } from '../../src/routes/unit-economics/+page.server.js';
import { load as computeLoad } from '../../src/routes/compute/+page.server.js';
import ClosedMonthNotes from '../../src/lib/components/ClosedMonthNotes.svelte';
import type { ClosedMonthNotes as Notes } from '../../src/lib/server/pages/as-of.js';
import type { MetricTileData } from '../../src/lib/panel.js';

/*
 * The as-of field and the closed-month notes on the money pages, on the rate-history hand fixture
 * (tests/helpers/finance-history-fixture.ts): rent-h at $1.50 / GPU-h, September closed, then corrected to $1.75.
 * Period [2026-09-01, 2026-11-01): revenue $5500.00; spend $4392.00 as reported at the close, $5124.00 now.
 *   Gross margin = (revenue − spend) / revenue: (5500 − 4392) / 5500 = 0.201454…; (5500 − 5124) / 5500 = 0.068363…
 * September as closed: reported spend $2160.00, margin $840.00; restated since +$360.00 spend, −$360.00 margin.
 * One user job (tests/fixtures/finance/history_jobs.ndjson): H1, u-history, rent-h, 1 GPU, 09-10 00:00–10:00 = 10 GPU-h,
 *   the only job of that cluster-day, so (idle shared by use) it carries the day's whole spend: 48 GPU-h × $1.50 = $72.00
 *   as reported at the close, 48 × $1.75 = $84.00 now.
 */
const CENT = 2;
const QS = `from=${HISTORY_PERIOD.from}&to=${HISTORY_PERIOD.to}`;
let moments: HistoryMoments;
let server: TestServer;
let cookie: string;

beforeAll(async () => {
	await open();
	moments = await buildRateHistory();
	expect((await loadFinanceFixture('generation_jobs', 'history_jobs.ndjson')).rows_loaded).toBe(1);
	server = await startDevServer();
	cookie = await signedIn(server.url, 'finance');
}, 300_000);
afterAll(async () => server?.close());

type Loaded = Record<string, unknown>;
const pageData = async (load: (e: never) => unknown, path: string) => (await load({ url: new URL(`http://x${path}`) } as never)) as Loaded;
const tileValue = async (data: Loaded, id: string) => {
	const tile = await (data.tiles as Record<string, Promise<MetricTileData>>)[id]!;
	if (!tile.ok) throw new Error(`${id}: ${tile.error}`);
	return tile.value!;
};
const html = async (path: string) => {
	const res = await fetch(`${server.url}${path}`, { headers: { cookie } });
	expect(res.status, path).toBe(200);
	return res.text();
};
/** The hidden inputs of the page's as-of form, as name=value pairs. */
const asOfFormHidden = (page: string) => {
	const form = page.match(/<form class="as-of[^"]*"[^>]*>([\s\S]*?)<\/form>/)?.[1];
	expect(form, 'the as-of form').toBeDefined();
	return [...form!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"/g)].map((m) => `${m[1]}=${m[2]!.replace(/&amp;/g, '&')}`);
};

describe('Unit economics follows ?as_of=', () => {
	it('shows gross margin as reported at the close, and as it stands after the correction', async () => {
		const reported = await pageData(unitEconomicsLoad, `/unit-economics?${QS}&as_of=${encodeURIComponent(moments.closedAt.toISOString())}`);
		expect(reported.asOf).toBe(moments.closedAt.toISOString());
		expect(await tileValue(reported, 'gross_margin')).toBeCloseTo((5500 - 4392) / 5500, 6);
		const now = await pageData(unitEconomicsLoad, `/unit-economics?${QS}`);
		expect(now.asOf).toBeNull();
		expect(await tileValue(now, 'gross_margin')).toBeCloseTo((5500 - 5124) / 5500, 6);
	});

	it('says on the page which as_of it shows; a malformed as_of is a problem naming the field', async () => {
		expect(await html(`/unit-economics?${QS}&as_of=2026-10-05`)).toContain('Shown as of 2026-10-05T23:59:59.999Z');
		const bad = await pageData(unitEconomicsLoad, `/unit-economics?${QS}&as_of=last%20week`);
		expect(bad.asOf).toBeNull();
		expect(bad.problems).toContainEqual(expect.stringMatching(/^as_of: .*the latest loads are shown$/));
	});
});

describe('the as-of form works without JavaScript', () => {
	it('carries the period and every other parameter of the page as hidden inputs, but not the as_of it sets', async () => {
		const page = await html(`/unit-economics?${QS}&idle_policy=even&what_if.gpu_price_factor=0.8&as_of=2026-10-05`);
		expect(asOfFormHidden(page)).toEqual([`from=${HISTORY_PERIOD.from}`, `to=${HISTORY_PERIOD.to}`, 'idle_policy=even', 'what_if.gpu_price_factor=0.8']);
		expect(asOfFormHidden(await html(`/?${QS}&grain=week&compare=1`))).toEqual([`from=${HISTORY_PERIOD.from}`, `to=${HISTORY_PERIOD.to}`, 'grain=week', 'compare=1']);
		expect(asOfFormHidden(await html(`/compute?${QS}&cluster=rent-h`))).toEqual([`from=${HISTORY_PERIOD.from}`, `to=${HISTORY_PERIOD.to}`, 'cluster=rent-h']);
	});
});

describe('a closed month shows what was reported and the restatement since', () => {
	const notesOf = async (data: Loaded) => {
		const result = await (data.closedMonths as Promise<Notes>);
		if (!result.ok) throw new Error(result.error);
		return result.notes;
	};

	it('Unit economics and Compute note September as reported at close beside its restatement, to the cent', async () => {
		for (const [load, path] of [
			[unitEconomicsLoad, '/unit-economics'],
			[computeLoad, '/compute']
		] as const) {
			const notes = await notesOf(await pageData(load, `${path}?${QS}&idle_policy=even`));
			expect(notes.map((n) => n.month), path).toEqual(['2026-09-01']);
			const [sep] = notes;
			expect(sep!.reported_spend_usd).toBeCloseTo(2160, CENT);
			expect(sep!.reported_margin_usd).toBeCloseTo(840, CENT);
			expect(sep!.spend_restatement_usd).toBeCloseTo(360, CENT);
			expect(sep!.margin_restatement_usd).toBeCloseTo(-360, CENT);
			expect(sep!.asOfHref).toBe(`${path}?${QS}&idle_policy=even&as_of=${encodeURIComponent(moments.closedAt.toISOString())}`);
			expect(sep!.restatementsHref).toBe(`/compute?${QS}#rate-history`);
		}
	});

	it('renders the note with both amounts to the cent and its links', async () => {
		const notes = await notesOf(await pageData(unitEconomicsLoad, `/unit-economics?${QS}`));
		const body = render(ClosedMonthNotes, { props: { notes: { ok: true, notes } } }).body.replace(/&amp;/g, '&');
		const text = body.replace(/<!--[^>]*-->/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
		const closed = moments.closedAt.toISOString().slice(0, 16).replace('T', ' ');
		expect(text).toContain(`September 2026 closed on ${closed} UTC by finance-history-test: reported $2,160.00 spend / $840.00 margin for the month;`);
		expect(text).toContain('restated since: +$360.00 spend, −$360.00 margin (now $2,520.00 / $480.00).');
		expect(body).toContain(`href="/compute?${QS}#rate-history"`);
		expect(body).toContain(`as_of=${encodeURIComponent(moments.closedAt.toISOString())}`);
	});

	it('is not shown when the page is shown as of a moment (its figures are then those reported)', async () => {
		const data = await pageData(unitEconomicsLoad, `/unit-economics?${QS}&as_of=${encodeURIComponent(moments.closedAt.toISOString())}`);
		expect(await notesOf(data)).toEqual([]);
	});
});

describe('Compute: top requesters follow ?as_of=', () => {
	it('charges the job at the rate loaded by then', async () => {
		const topOf = async (qs: string) => {
			const top = await ((await pageData(computeLoad, `/compute?${QS}${qs}`)).tables as { top: Promise<{ ok: boolean; error?: string; rows: Record<string, unknown>[] }> }).top;
			expect(top.ok, top.error).toBe(true);
			return top.rows;
		};
		const [reported] = await topOf(`&as_of=${encodeURIComponent(moments.closedAt.toISOString())}`);
		expect(reported).toMatchObject({ user_id: 'u-history', jobs: 1 });
		expect(reported!.gpu_hours as number).toBeCloseTo(10, 6);
		expect(reported!.cost_usd as number).toBeCloseTo(72, CENT);
		const [now] = await topOf('');
		expect(now!.cost_usd as number).toBeCloseTo(84, CENT);
	});
});
