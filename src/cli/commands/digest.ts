import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildDigest, DigestError, isoWeekOf } from '../../lib/server/digest/index.js';
import { findChromium, htmlToPdf, NoChromiumError, PdfError } from '../../lib/server/digest/pdf.js';
import { latestDataDay } from '../../lib/server/pages/page-state.js';
import { addDays } from '../../lib/url-state.js';
import { parse, UsageError, type Command } from '../command.js';

const HELP = `loopmeter digest [--week YYYY-Www] [--out FILE.html] [--pdf FILE.pdf]

The weekly digest for execs: headline figures with week-over-week change, the top
movers, alert breaches active at the week's end, the week's annotations and the
loop (watch-hours, revenue, compute spend) over 12 weeks, as one self-contained
HTML file (inline chart, no external requests) that reads well when mailed.
Without --week: the last whole week with data. Without --out or --pdf: HTML on stdout.
--pdf: the same file printed to an A4 PDF by Chromium (CHROMIUM_PATH, else chromium or
google-chrome on PATH); without Chromium it stops and says so, and --out still works.`;

const command: Command = {
	name: 'digest',
	summary: 'weekly digest as one self-contained HTML file',
	help: HELP,
	async run(argv) {
		const { values } = parse(argv, { week: { type: 'string' }, out: { type: 'string' }, pdf: { type: 'string' } }, false);
		// Said before the digest is computed, not after.
		if (values.pdf && !findChromium()) throw new UsageError(new NoChromiumError().message);
		let week = values.week;
		if (!week) {
			const last = await latestDataDay();
			if (!last) throw new UsageError('the warehouse has no data yet: load some (loopmeter demo) or give --week');
			// The last week whose Sunday has data.
			week = isoWeekOf(addDays(last, -((new Date(`${last}T00:00:00Z`).getUTCDay() + 7) % 7)));
		}
		try {
			const d = await buildDigest(week);
			const what = `Digest ${d.week} (${d.period.from} – ${addDays(d.period.to, -1)})`;
			if (values.out) {
				writeFileSync(resolve(values.out), d.html);
				console.error(`${what} written to ${resolve(values.out)}`);
			}
			if (values.pdf) {
				writeFileSync(resolve(values.pdf), await htmlToPdf(d.html));
				console.error(`${what} printed to ${resolve(values.pdf)}`);
			}
			if (!values.out && !values.pdf) process.stdout.write(d.html);
		} catch (e) {
			if (e instanceof DigestError || e instanceof NoChromiumError || e instanceof PdfError) throw new UsageError(e.message);
			throw e;
		}
	}
};
export default command;
