import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, inject } from 'vitest';

/** Debian's chromium: browsers cannot be downloaded on these machines. */
export function chromiumPath(): string {
	const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
	const found = candidates.find((p): p is string => !!p && existsSync(p));
	if (!found) throw new Error('No Chromium found: install it (`apt-get install -y chromium`) or set CHROMIUM_PATH.');
	return found;
}

let browser: Browser | undefined;

export const baseUrl = () => inject('baseUrl');

/**
 * A fresh page of the shared test server (see global-setup.ts). Loopback requests
 * are signed in by the demo auto-login, as a newcomer's browser is.
 */
export async function openPage(path: string, opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
	browser ??= await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'] });
	const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: opts.colorScheme ?? 'light' });
	const page = await context.newPage();
	const errors: string[] = [];
	page.on('pageerror', (e) => errors.push(e.message));
	(page as Page & { jsErrors: string[] }).jsErrors = errors;
	const response = await page.goto(new URL(path, baseUrl()).href, { waitUntil: 'networkidle', timeout: 240_000 });
	if (!response || response.status() >= 400) throw new Error(`GET ${path} answered ${response?.status()}`);
	return page;
}

/** Uncaught errors the page threw since it was opened. */
export const jsErrors = (page: Page): string[] => (page as Page & { jsErrors?: string[] }).jsErrors ?? [];

/** Waits until an ECharts canvas inside `selector` has been drawn (non-blank pixels). */
export async function waitForChart(page: Page, selector = 'body'): Promise<void> {
	await page.waitForFunction(
		(sel) => {
			const canvas = document.querySelector(`${sel} canvas`) as HTMLCanvasElement | null;
			if (!canvas || canvas.width === 0) return false;
			const ctx = canvas.getContext('2d');
			if (!ctx) return false;
			const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
			for (let i = 3; i < data.length; i += 4 * 97) if (data[i] !== 0) return true;
			return false;
		},
		selector,
		{ timeout: 180_000 }
	);
}

afterAll(async () => {
	await browser?.close();
	browser = undefined;
});
