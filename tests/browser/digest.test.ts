import { describe, expect, it } from 'vitest';
import { weekPeriod } from '../../src/lib/server/digest/index.js';
import { baseUrl, jsErrors, openPage } from './harness.js';

// The weekly digest opened in Chromium: its headline figures are the API's for the same week, and its PDF link prints it.
describe('Weekly digest on the demo', () => {
	it('shows the last whole week with the same figures as the metrics API, and its PDF link prints it', async () => {
		const page = await openPage('/digest');
		const week = await page.locator('input[name="week"]').inputValue();
		expect(week).toMatch(/^\d{4}-W\d{2}$/);
		const { from, to } = weekPeriod(week);
		const frame = page.frameLocator('iframe');
		for (const metric of ['revenue', 'compute_spend', 'watch_hours']) {
			const cell = frame.locator(`#headlines tr[data-metric="${metric}"] td[data-value]`);
			await cell.waitFor({ timeout: 120_000 });
			const shown = Number(await cell.getAttribute('data-value'));
			const api = await page.request.get(new URL(`/api/v1/metrics/${metric}?from=${from}&to=${to}&grain=total`, baseUrl()).href);
			expect(api.status()).toBe(200);
			const value = ((await api.json()) as { rows: { value: number }[] }).rows[0]!.value;
			expect(shown, metric).toBeCloseTo(value, 6);
		}
		expect(await frame.locator('svg').count()).toBeGreaterThan(0);
		// The PDF link: the same week printed by the server's Chromium (the browser tests need one anyway).
		const pdfHref = await page.getByRole('link', { name: 'PDF', exact: true }).getAttribute('href');
		expect(pdfHref).toBe(`/digest/file?week=${week}&format=pdf`);
		const pdf = await page.request.get(new URL(pdfHref!, baseUrl()).href, { timeout: 240_000 });
		expect(pdf.status()).toBe(200);
		expect(pdf.headers()['content-type']).toBe('application/pdf');
		expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	});
});
