import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsErrors, openPage, waitForChart } from './harness.js';

// Every page a newcomer reaches from the navigation renders real content from
// the warehouse, draws its charts and throws nothing. Screenshots land in
// tests/browser/screenshots/ (not committed) for a person to look at.
const shots = resolve(import.meta.dirname, 'screenshots');
mkdirSync(shots, { recursive: true });

const pages = [
	{ path: '/', heading: /overview/i },
	{ path: '/compute', heading: /compute/i },
	{ path: '/revenue', heading: /revenue/i },
	{ path: '/engagement', heading: /engagement/i },
	{ path: '/feed-health', heading: /feed health/i },
	{ path: '/unit-economics', heading: /unit economics/i },
	{ path: '/ingest', heading: /ingest/i },
	{ path: '/glossary', heading: /glossary/i }
];

describe('every dashboard page', () => {
	for (const { path, heading } of pages) {
		it(`${path} renders its heading, numbers and charts without errors`, async () => {
			const page = await openPage(path);
			await expect(page.locator('h1').first().textContent()).resolves.toMatch(heading);
			if (path !== '/glossary') {
				await waitForChart(page);
				// A figure from the warehouse, not a placeholder: some digit in the main content.
				expect(await page.locator('main').innerText()).toMatch(/\d/);
			}
			await page.screenshot({ path: join(shots, `${path === '/' ? 'overview' : path.slice(1)}.png`), fullPage: true });
			expect(jsErrors(page)).toEqual([]);
			await page.context().close();
		});
	}

	it('the Overview works in dark mode too', async () => {
		const page = await openPage('/', { colorScheme: 'dark' });
		await waitForChart(page);
		await page.screenshot({ path: join(shots, 'overview-dark.png') });
		expect(jsErrors(page)).toEqual([]);
		await page.context().close();
	});
});
