import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * The digest as a PDF, through Chromium's own print (`--headless --print-to-pdf`):
 * the file's print stylesheet (A4, see digestHtml) decides the layout, so the PDF is
 * what anyone gets from the browser's Print → Save as PDF. Chromium is run as a
 * program rather than through playwright, which is only a development dependency.
 */

export class NoChromiumError extends Error {
	constructor() {
		super('no Chromium found for the PDF: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary; the HTML digest (--out FILE.html) needs no browser');
	}
}

export class PdfError extends Error {}

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** CHROMIUM_PATH, else the first Chromium or Chrome on PATH or in /usr/bin; null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
	if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
	const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin'];
	for (const dir of dirs) for (const name of NAMES) if (existsSync(join(dir, name))) return join(dir, name);
	return null;
}

const run = promisify(execFile);

/** Prints a self-contained HTML document to PDF bytes; throws NoChromiumError when there is no browser to print with. */
export async function htmlToPdf(html: string, opts: { chromium?: string | null; timeoutMs?: number } = {}): Promise<Buffer> {
	const chromium = opts.chromium === undefined ? findChromium() : opts.chromium;
	if (!chromium) throw new NoChromiumError();
	// A private profile per run: a second Chromium on the same profile would hand the job to the first and exit.
	const dir = mkdtempSync(join(tmpdir(), 'loopmeter-pdf-'));
	try {
		const page = join(dir, 'digest.html');
		const out = join(dir, 'digest.pdf');
		writeFileSync(page, html);
		const args = [
			'--headless',
			// Root in containers has no user namespace for the sandbox; the page is our own file with no script.
			'--no-sandbox',
			'--disable-gpu',
			'--disable-dev-shm-usage',
			'--disable-extensions',
			'--disable-background-networking',
			'--no-first-run',
			`--user-data-dir=${join(dir, 'profile')}`,
			// Neither date nor file name in the margins: the digest carries its own heading.
			'--no-pdf-header-footer',
			`--print-to-pdf=${out}`,
			pathToFileURL(page).href
		];
		try {
			await run(chromium, args, { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 });
		} catch (e) {
			throw new PdfError(`${chromium} could not print the digest: ${(e as Error).message.split('\n')[0]}`);
		}
		if (!existsSync(out)) throw new PdfError(`${chromium} exited without writing a PDF`);
		const pdf = readFileSync(out);
		if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new PdfError(`${chromium} wrote something that is not a PDF`);
		return pdf;
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
