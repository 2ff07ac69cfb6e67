import type { IngestReport } from '../src/lib/contracts/ingest.js';
import type { IngestProgress } from './index.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

function duration(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000));
	return s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** What one progress line says: file, bytes, rows, rate and time left. */
export function describeProgress(p: IngestProgress): { fraction: number; text: string } {
	const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : p.done ? 1 : 0;
	const rate = p.elapsedMs > 0 ? (p.rowsRead / p.elapsedMs) * 1000 : 0;
	const eta = fraction > 0 && !p.done ? (p.elapsedMs / fraction) * (1 - fraction) : 0;
	const files = p.files > 1 ? ` [${p.fileIndex}/${p.files}]` : '';
	// Most useful first: a narrow terminal cuts the end of the line.
	const when = p.done ? `done in ${duration(p.elapsedMs)}` : `ETA ${duration(eta)}`;
	const rejected = p.rowsRejected ? `  ${int(p.rowsRejected)} rejected` : '';
	const text = `${int(p.rowsRead)} rows  ${int(rate)} rows/s  ${when}${rejected}  ${mb(p.bytesDone)}/${mb(p.bytesTotal)}  ${p.source} ${p.file}${files}`;
	return { fraction, text };
}

/**
 * Progress on stderr: a redrawn bar on a terminal, a plain line every few
 * seconds otherwise (logs, CI), nothing when quiet.
 */
export function progressPrinter(out: NodeJS.WriteStream = process.stderr, opts: { quiet?: boolean; everyMs?: number } = {}) {
	if (opts.quiet) return () => {};
	const tty = out.isTTY === true;
	let last = 0;
	return (p: IngestProgress) => {
		const now = Date.now();
		if (!p.done && now - last < (tty ? 100 : (opts.everyMs ?? 5000))) return;
		last = now;
		const { fraction, text } = describeProgress(p);
		if (tty) {
			const width = 24;
			const filled = Math.round(fraction * width);
			const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${text}`;
			out.write(`\r\x1b[2K${line.slice(0, (out.columns ?? 120) - 1)}${p.done ? '\n' : ''}`);
		} else out.write(`${Math.round(fraction * 100)}% ${text}\n`);
	};
}

/** The end-of-run report a person reads. */
export function formatReport(r: IngestReport): string {
	const pct = r.rows_read ? ` (${((r.rows_rejected / r.rows_read) * 100).toFixed(r.rows_rejected && r.rows_rejected / r.rows_read < 0.001 ? 3 : 1)}%)` : '';
	const lines = [
		`${r.source} ${r.file}: ${r.outcome} in ${(r.duration_ms / 1000).toFixed(1)} s${r.message ? ` — ${r.message}` : ''}`,
		`  read ${int(r.rows_read)}  loaded ${int(r.rows_loaded)}  duplicates skipped ${int(r.rows_duplicate)}  rejected ${int(r.rows_rejected)}${pct}  warned ${int(r.rows_warned)}`
	];
	if (r.rejected_by_reason.length) {
		lines.push('  rejected by reason:');
		for (const x of r.rejected_by_reason.slice(0, 15)) lines.push(`    ${int(x.count).padStart(9)}  ${x.reason}`);
		if (r.rejected_by_reason.length > 15) lines.push(`    … and ${r.rejected_by_reason.length - 15} more reasons`);
	}
	if (r.warnings_by_reason.length) {
		lines.push('  warnings (rows kept):');
		for (const x of r.warnings_by_reason) lines.push(`    ${int(x.count).padStart(9)}  ${x.reason}`);
	}
	if (r.examples.length) {
		lines.push('  first rejected rows:');
		for (const e of r.examples) lines.push(`    line ${e.line}: ${e.reason}  ${e.raw.length > 120 ? `${e.raw.slice(0, 117)}…` : e.raw}`);
	}
	if (r.extra_columns.length) lines.push(`  extra columns ignored: ${r.extra_columns.join(', ')}`);
	return lines.join('\n');
}
