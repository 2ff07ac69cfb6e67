import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { baseUrl, chromiumPath, waitForChart } from './harness.js';

// The API computes afresh (no panel cache): a cold metric on a busy 2-core machine takes tens of seconds.
const API_TIMEOUT = 240_000;

// The money pages on the demo scenario: every tile shows the number the metric
// API gives for the same period, the numbers can be traced (definition, SQL,
// rows behind them, CSV), the period lives in the URL, and the what-if panel
// moves margins but not revenue.

let browser: Browser | undefined;
const errors = new WeakMap<Page, string[]>();
const jsErrors = (page: Page) => errors.get(page) ?? [];

/**
 * Opens a page without waiting for the whole document: money pages stream their
 * panels in, and on a busy machine the last one can take longer than the
 * harness's network-idle wait. Tests wait for what they check instead.
 */
async function openPage(path: string): Promise<Page> {
	browser ??= await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
	const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
	const page = await context.newPage();
	const list: string[] = [];
	page.on('pageerror', (e) => list.push(e.message));
	errors.set(page, list);
	const response = await page.goto(new URL(path, baseUrl()).href, { waitUntil: 'commit', timeout: 120_000 });
	if (!response || response.status() >= 400) throw new Error(`GET ${path} answered ${response?.status()}`);
	await page.locator('h1').first().waitFor({ timeout: 120_000 });
	return page;
}

afterAll(async () => {
	await browser?.close();
	browser = undefined;
});

/** Waits until every tile of the page has left its loading state. */
async function tilesReady(page: Page) {
	await page.waitForFunction(() => document.querySelectorAll('.tile [data-state="loading"]').length === 0, undefined, { timeout: 170_000 });
}

// The filter bar's own fields: the as-of form carries hidden copies of the URL's parameters (for browsers without JavaScript).
async function period(page: Page) {
	return {
		from: await page.locator('form.filter-bar input[name="from"]').inputValue(),
		to: await page.locator('form.filter-bar input[name="to"]').inputValue()
	};
}

async function apiTotal(page: Page, metric: string, qs: string): Promise<number | null> {
	const r = await page.request.get(new URL(`/api/v1/metrics/${metric}?${qs}&grain=total`, baseUrl()).href, { timeout: API_TIMEOUT });
	expect(r.status(), `${metric}?${qs}`).toBe(200);
	const body = (await r.json()) as { rows: { value: number | null }[] };
	return body.rows[0]?.value ?? null;
}

async function expectTilesMatchApi(page: Page, metrics: string[]) {
	const { from, to } = await period(page);
	for (const metric of metrics) {
		const tile = page.locator(`.tile .value[data-metric="${metric}"]`);
		await expect(tile.count(), `tile ${metric}`).resolves.toBe(1);
		const shown = Number(await tile.getAttribute('data-value'));
		const api = await apiTotal(page, metric, `from=${from}&to=${to}`);
		expect(api, metric).not.toBeNull();
		expect(shown, metric).toBeCloseTo(api!, 6);
		// The visible text is the same number, rounded for reading.
		expect(await tile.innerText()).toMatch(/\d/);
	}
}

describe('money pages', () => {
	it('Overview tiles show the API numbers for the default period (the last 28 days of data)', async () => {
		const page = await openPage('/');
		const { from, to } = await period(page);
		// The demo ends 2026-11-01 (exclusive): the default period ends there, 28 days long.
		expect(to).toBe('2026-11-01');
		expect(from).toBe('2026-10-04');
		await tilesReady(page);
		await expectTilesMatchApi(page, ['revenue', 'compute_spend', 'gross_margin', 'margin_per_gpu_hour', 'attention_to_compute']);
		await waitForChart(page, '.metric-chart');
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	}, 300_000);

	it('Compute: tiles match the API, the info dialog shows definition and SQL, and leads to the rows behind the number', async () => {
		const page = await openPage('/compute?from=2026-10-04&to=2026-11-01');
		await tilesReady(page);
		await expectTilesMatchApi(page, ['compute_spend', 'idle_cost', 'cost_per_gpu_hour', 'utilization', 'dead_compute']);
		await waitForChart(page, '.metric-chart');
		// Trace a number: definition, SQL with its parameters, drill-down.
		const tile = page.locator('.tile', { has: page.locator('[data-metric="compute_spend"]') });
		await tile.getByRole('button', { name: /how .* is computed/i }).click();
		const dialog = page.locator('dialog[open]');
		await expect(dialog.innerText()).resolves.toMatch(/provisioned GPU-hours × hourly cost/);
		await dialog.locator('summary').click();
		await expect(dialog.locator('pre.sql').innerText()).resolves.toMatch(/FROM gpu_fleet_versions\n\s*WHERE loaded_at <= \{as_of:DateTime64/);
		const rowsHref = await dialog.getByRole('link', { name: /rows behind this number/i }).getAttribute('href');
		expect(rowsHref).toMatch(/^\/glossary\/compute_spend\/rows\?/);
		const rows = await openPage(rowsHref!);
		await expect(rows.locator('h1').innerText()).resolves.toMatch(/rows behind compute spend/i);
		const cells = await rows.locator('table tbody tr').count();
		expect(cells).toBeGreaterThan(0);
		// CSV of all rows, and of a chart's numbers.
		const csvHref = await rows.locator('a.csv').getAttribute('href');
		const csv = await rows.request.get(new URL(csvHref!, baseUrl()).href, { timeout: API_TIMEOUT });
		expect(csv.headers()['content-type']).toMatch(/text\/csv/);
		expect((await csv.text()).split('\n')[0]).toMatch(/cluster/);
		expect(jsErrors(page)).toEqual([]);
		await rows.context().close();
		await page.context().close();
	}, 300_000);

	it('the period and filters live in the URL and survive a reload', async () => {
		const page = await openPage('/compute?from=2026-09-01&to=2026-10-01&ownership=owned&compare=1');
		expect(await period(page)).toEqual({ from: '2026-09-01', to: '2026-10-01' });
		await expect(page.locator('.chips').innerText()).resolves.toMatch(/ownership = owned/);
		await page.reload({ waitUntil: 'commit' });
		await page.locator('h1').first().waitFor();
		expect(await period(page)).toEqual({ from: '2026-09-01', to: '2026-10-01' });
		await expect(page.locator('form.filter-bar input[name="compare"]').isChecked()).resolves.toBe(true);
		// A quick period keeps the filter.
		await page.getByRole('link', { name: '7d', exact: true }).click();
		// The URL is what is checked: waiting for the new page's load event too only measures a busy machine.
		await page.waitForURL(/from=2026-10-25/, { waitUntil: 'commit' });
		expect(new URL(page.url()).searchParams.get('ownership')).toBe('owned');
		await page.context().close();
	}, 300_000);

	it('Compute: figures as reported at a moment, said on the page and kept with the period; the demo’s closed September beside its restatement', async () => {
		const page = await openPage('/compute?from=2026-09-01&to=2026-11-01');
		await page.locator('input[name="as_of"]').fill('2026-01-01');
		await page.locator('form.as-of button[type="submit"]').click();
		await page.waitForURL(/as_of=2026-01-01/, { waitUntil: 'commit' });
		await expect(page.locator('.as-of .shown').innerText()).resolves.toContain('Shown as of 2026-01-01T23:59:59.999Z');
		expect(new URL(page.url()).searchParams.get('from')).toBe('2026-09-01');
		const closed = page.locator('.panel', { has: page.getByText('Closed months: reported at close vs now') });
		await closed.waitFor({ timeout: 120_000 });
		await expect(closed.locator('tbody tr').first().innerText()).resolves.toMatch(/^2026-09\s+yes\s+.*demo/);
		await page.context().close();
	}, 300_000);

	it('Unit economics: the what-if panel moves margins beside the actuals and leaves revenue alone', async () => {
		const page = await openPage('/unit-economics?from=2026-10-04&to=2026-11-01&what_if.gpu_price_factor=0.8');
		const table = page.locator('table.compare');
		await table.waitFor({ timeout: 170_000 });
		const cell = async (row: string, col: 'actual' | 'what-if') =>
			Number(await table.locator(`tr[data-row="${row}"] td[data-${col}]`).getAttribute(`data-${col}`));
		expect(await cell('Revenue', 'what-if')).toBeCloseTo(await cell('Revenue', 'actual'), 6);
		expect(await cell('Utilized GPU-hours', 'what-if')).toBeCloseTo(await cell('Utilized GPU-hours', 'actual'), 6);
		expect(await cell('Compute spend', 'what-if')).toBeLessThan(await cell('Compute spend', 'actual'));
		expect(await cell('Margin per GPU-hour', 'what-if')).toBeGreaterThan(await cell('Margin per GPU-hour', 'actual'));
		const api = await page.request.get(
			new URL('/api/v1/metrics/margin_per_gpu_hour?from=2026-10-04&to=2026-11-01&grain=total&what_if.gpu_price_factor=0.8', baseUrl()).href,
			{ timeout: API_TIMEOUT }
		);
		expect(await cell('Margin per GPU-hour', 'what-if')).toBeCloseTo(((await api.json()) as { rows: { value: number }[] }).rows[0]!.value, 6);
		await tilesReady(page);
		await expect(page.locator('.subsidy').innerText()).resolves.toMatch(/Free users' generations cost \$/);
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	}, 300_000);

	it('the Glossary lists every money metric with its SQL', async () => {
		const page = await openPage('/glossary');
		for (const id of ['compute_spend', 'idle_cost', 'dead_compute', 'revenue', 'margin_per_gpu_hour', 'attention_to_compute_cohort']) {
			await expect(page.locator(`article#${id}`).count(), id).resolves.toBe(1);
		}
		const sql = await page.request.get(new URL('/api/v1/metrics/idle_cost/sql', baseUrl()).href, { timeout: API_TIMEOUT });
		expect(await sql.text()).toMatch(/sql\/metrics\/fleet_utilization_daily\.sql/);
		await page.context().close();
	}, 60_000);
});
