import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDigest, isoWeekOf, weekPeriod } from '../../src/lib/server/digest/index.js';
import { findChromium, htmlToPdf, NoChromiumError } from '../../src/lib/server/digest/pdf.js';
import { formatPrecise } from '../../src/lib/format.js';
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { startQueryProfile, stopQueryProfile } from '../../src/lib/server/warehouse/profile.js';
import { clearPageCache } from '../../src/lib/server/pages/page-cache.js';
import { GET as digestFileGET } from '../../src/routes/digest/file/+server.js';
import { readPdf } from '../helpers/pdf.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { addAnnotation } from '../../src/lib/server/annotations/index.js';
import { loadMoneyFixture } from '../fixtures/money/load.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { dataDir, open } = useTempWarehouse('loopmeter-digest-');
const chromium = findChromium();

beforeAll(async () => {
	await open();
	await loadMoneyFixture();
	await addAnnotation({ day: '2026-10-02', kind: 'price', title: 'H100 rental price cut' }, 'ana');
});

describe('weekly digest', () => {
	it('reads ISO weeks, including ones that start in the previous year', () => {
		expect(weekPeriod('2026-W40')).toEqual({ from: '2026-09-28', to: '2026-10-05' });
		expect(weekPeriod('2026-W01')).toEqual({ from: '2025-12-29', to: '2026-01-05' });
		expect(isoWeekOf('2026-10-04')).toBe('2026-W40');
		expect(() => weekPeriod('2026-43')).toThrow(/must be an ISO week like 2026-W43/);
		// 2026 starts on a Thursday, so it has a week 53; 2025 (starts on a Wednesday) does not.
		expect(weekPeriod('2026-W53')).toEqual({ from: '2026-12-28', to: '2027-01-04' });
		expect(() => weekPeriod('2025-W53')).toThrow(/2025 has no week 53/);
	});

	it('the Digest page and its file share the pages\' cache: a second download while the data is unchanged runs no metric query', async () => {
		clearPageCache();
		const download = () => digestFileGET({ url: new URL('http://x/digest/file?week=2026-W40') } as Parameters<typeof digestFileGET>[0]);
		const metricStatements = (profile: { tag: string; calls: number }[]) => profile.filter((p) => p.tag.startsWith('metric:')).reduce((n, p) => n + p.calls, 0);
		startQueryProfile();
		const first = await (await download()).text();
		const firstRun = metricStatements(stopQueryProfile());
		startQueryProfile();
		const second = await (await download()).text();
		const secondRun = metricStatements(stopQueryProfile());
		expect(firstRun).toBeGreaterThan(10);
		expect(secondRun).toBe(0);
		// The chart's SVG numbers its ids and style classes per ECharts instance; everything else is the same text.
		const sameChart = (html: string) => html.replace(/\bzr\d+-(cls-\d+)?/g, 'zr-');
		expect(sameChart(second)).toBe(sameChart(first));
		// The CLI computes afresh (buildDigest without a runner), with the same figures.
		startQueryProfile();
		const fresh = (await buildDigest('2026-W40')).html;
		expect(sameChart(fresh)).toBe(sameChart(first));
		expect(metricStatements(stopQueryProfile())).toBeGreaterThan(10);
	});

	it('puts the same figures as the API in one self-contained HTML file', async () => {
		const d = await buildDigest('2026-W40');
		// Money fixture, week 09-28 .. 10-04: subscription $10/day from 10-01 → $40; ads $12 + $3 + $1.50 → revenue $56.50.
		const revenue = d.headlines.find((f) => f.metric === 'revenue')!;
		expect(revenue.value).toBeCloseTo(56.5, 2);
		expect(revenue.previous).toBe(0);
		expect(revenue.change).toBeNull();
		for (const f of d.headlines) {
			const rows = (await runMetric({ metric: f.metric, ...d.period, grain: 'total' })).response.rows;
			expect(f.value, f.metric).toBe(typeof rows[0]?.value === 'number' ? rows[0].value : null);
			expect(d.html).toContain(`data-metric="${f.metric}"`);
		}
		// Compute spend $492 on 10-01..10-03 (money.test.ts) plus 10-04: own-b 96 h × $1.25 + rent-a 48 h × $1.50 = $192.
		expect(d.headlines.find((f) => f.metric === 'compute_spend')!.value).toBeCloseTo(684, 2);
		expect(d.annotations.map((a) => a.title)).toEqual(['H100 rental price cut']);
		expect(d.html).toContain('H100 rental price cut');
		expect(d.html).toMatch(/<svg[\s\S]*<\/svg>/);
		// No external requests: no src/href to another origin, no script.
		expect(d.html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
		expect(d.html).not.toMatch(/<script/i);
		// Nor anything else that could fetch: no stylesheet import or url(), and no http(s) address at all
		// once the SVG's XML namespace names (identifiers, never fetched) are taken out.
		expect(d.html).not.toMatch(/@import|url\((?!#)|<link|<img|<iframe|<object|<embed/i); // url(#clip) is the SVG's own clip path
		expect(d.html.replace(/xmlns(:\w+)?="http:\/\/www\.w3\.org\/[\w/.]+"/g, '')).not.toMatch(/https?:\/\//i);
		// A print stylesheet lays it out on A4.
		expect(d.html).toMatch(/@page\{size:A4/);
	});

	it('the Digest page’s file is the same HTML, and a PDF where Chromium is found', async () => {
		const get = (qs: string) => {
			const url = new URL(`http://x/digest/file?${qs}`);
			return digestFileGET({ url, request: new Request(url) } as never) as Promise<Response>;
		};
		const d = await buildDigest('2026-W40');
		const html = await get('week=2026-W40');
		expect(html.headers.get('content-disposition')).toBe('attachment; filename="loopmeter-digest-2026-W40.html"');
		// The same file; the chart is compared by presence only: its ids and class names carry an instance counter of the charting library.
		const sameFile = (h: string) => h.replace(/<figure>[\s\S]*<\/figure>/, '<figure>(chart)</figure>');
		expect(sameFile(d.html)).not.toBe(d.html);
		expect(sameFile(await html.text())).toBe(sameFile(d.html));
		await expect(get('week=2026-W40&format=docx')).rejects.toMatchObject({ status: 400 });
		if (!chromium) return; // the PDF itself: see the next tests
		const pdf = await get('week=2026-W40&format=pdf');
		expect(pdf.headers.get('content-type')).toBe('application/pdf');
		expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
	});

	it('says what to install when there is no Chromium to print with', async () => {
		expect(findChromium({ CHROMIUM_PATH: '/nonexistent/chromium', PATH: '' })).toBeNull();
		await expect(htmlToPdf('<p>x</p>', { chromium: null })).rejects.toThrow(NoChromiumError);
		await expect(htmlToPdf('<p>x</p>', { chromium: null })).rejects.toThrow(/no Chromium found for the PDF: install it .*or set CHROMIUM_PATH/);
	});

	it.skipIf(!chromium)(
		'loopmeter digest --pdf prints an A4 PDF holding the headline figures (skipped only when no Chromium is installed: nothing to print with)',
		async () => {
			const dir = mkdtempSync(join(tmpdir(), 'loopmeter-digest-pdf-'));
			const [pdfPath, htmlPath] = [join(dir, 'digest.pdf'), join(dir, 'digest.html')];
			const expected = await buildDigest('2026-W40');
			// The CLI opens the warehouse itself: let go of it (closing it closes every lane opened on it).
			await closeWarehouse();
			try {
				await promisify(execFile)('node', ['bin/loopmeter.js', 'digest', '--week', '2026-W40', '--out', htmlPath, '--pdf', pdfPath], {
					env: { ...process.env, LOOPMETER_DATA: dataDir },
					timeout: 300_000
				});
			} finally {
				await open();
			}
			const headlines = (h: string) => /<table id="headlines">[\s\S]*?<\/table>/.exec(h)?.[0];
			expect(headlines(readFileSync(htmlPath, 'utf8'))).toBe(headlines(expected.html));
			const pdf = readFileSync(pdfPath);
			expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
			const info = readPdf(pdf);
			expect(info.pages).toBeGreaterThanOrEqual(1);
			// A4 is 210 × 297 mm = 595.3 × 841.9 pt.
			expect(info.pageSize![0]).toBeCloseTo(595.3, 0);
			expect(info.pageSize![1]).toBeCloseTo(841.9, 0);
			// The headline revenue and compute spend as the HTML shows them ($56.50 and $684.00 on the money fixture).
			const revenue = expected.headlines.find((f) => f.metric === 'revenue')!;
			expect(info.texts).toContain(formatPrecise(revenue.value, 'usd'));
			expect(info.texts).toContain(formatPrecise(expected.headlines.find((f) => f.metric === 'compute_spend')!.value, 'usd'));
		},
		600_000
	);
});
