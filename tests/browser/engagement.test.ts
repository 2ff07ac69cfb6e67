import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsErrors, openPage, waitForChart } from './harness.js';

// On the demo scenario a product manager sees on Feed health that the arm rolled
// out mid-way (rl-watchtime) is clearly worse than control on satisfaction and
// diversity, which feed mode holds up better, and the alert it set off.
const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

describe('Feed health on the demo', () => {
	it('compares arms and modes with intervals and lists the breaches', async () => {
		const page = await openPage('/feed-health');
		const arms = page.getByRole('region', { name: 'Arm vs arm, last 28 days of the period' });
		const rl = arms.locator('tr[data-group="rl-watchtime"]');
		await rl.waitFor({ timeout: 240_000 });
		// ▼ in red: the interval lies below control's and lower is worse.
		for (const metric of ['satisfaction_rate', 'feed_diversity']) {
			await expect(rl.locator(`td[data-metric="${metric}"] .mark`).getAttribute('class')).resolves.toContain('bad');
			await expect(rl.locator(`td[data-metric="${metric}"] .mark`).textContent()).resolves.toBe('▼');
		}
		await expect(page.locator('ul.summary').textContent()).resolves.toMatch(/relaxed: clearly better than default on [1-9]/);
		const breaches = page.getByRole('table').filter({ hasText: 'slop-index-high' });
		await expect(breaches.locator('tr', { hasText: 'rec_arm=rl-watchtime' }).first().textContent()).resolves.toMatch(/breaching|ended/);
		await waitForChart(page, 'section[aria-label="Arms over time"]');
		await page.screenshot({ path: join(shots, 'feed-health-full.png'), fullPage: true });
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	}, 420_000);
});

describe('Engagement on the demo', () => {
	it('draws the cohort triangle and breaks engagement down by plan', async () => {
		const page = await openPage('/engagement?breakdown=plan');
		await waitForChart(page, 'section[aria-label="Retention"]');
		const table = page.getByRole('region', { name: 'Engagement by plan' });
		// Free users and at least one paid plan from the Stripe events of the demo.
		expect(await table.locator('tr[data-group="free"]').count()).toBe(1);
		expect(await table.locator('tbody tr').count()).toBeGreaterThan(1);
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	}, 420_000);
});
