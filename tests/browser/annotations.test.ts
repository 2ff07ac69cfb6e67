import { describe, expect, it } from 'vitest';
import { SCENARIO } from '../../ingest/demo/scenario.js';
import { jsErrors, openPage, waitForChart } from './harness.js';

// The demo ships its story events as annotations; every time-series chart whose
// days include one draws it as a mark, and anyone can add a note on the page.
describe('Annotations on the demo', () => {
	it('draws the story events as marks on the time-series charts in range', async () => {
		const page = await openPage('/feed-health');
		const chart = page.locator('section[aria-label="Arms over time"] [data-annotation-marks]').first();
		await chart.waitFor({ timeout: 240_000 });
		await waitForChart(page, 'section[aria-label="Arms over time"]');
		// Half a year by week: rollout, feed-mode launch, GPU price cut and the owned cluster all fall inside.
		await expect(chart.getAttribute('data-annotation-marks')).resolves.toBe('4');
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	});

	it('lists them with their author, and a note added on the page is listed and can be removed', async () => {
		const page = await openPage('/annotations');
		const rows = page.locator('tr[data-annotation]');
		await expect(rows.count()).resolves.toBe(4);
		await expect(page.locator('tbody').innerText()).resolves.toContain(SCENARIO.gpuPriceCutDate);
		await page.fill('input[name="day"]', '2026-10-20');
		await page.fill('input[name="title"]', 'Browser-test incident');
		await page.selectOption('select[name="kind"]', 'incident');
		await page.click('form[action="?/add"] button[type="submit"]');
		const added = page.locator('tr[data-annotation]', { hasText: 'Browser-test incident' });
		await added.waitFor({ timeout: 60_000 });
		await added.locator('button', { hasText: 'Remove' }).click();
		await added.waitFor({ state: 'detached', timeout: 60_000 });
		await expect(rows.count()).resolves.toBe(4);
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	});
});
