import { csvHeader, csvLines } from '../../csv.js';

/** Rows a CSV export carries at most; the response says when it stopped there. */
export const CSV_ROW_CAP = 200_000;
/** Rows turned into text per chunk: the whole file is never one string in memory. */
const CHUNK_ROWS = 2_000;

export interface CsvExport {
	filename: string;
	fields: readonly string[];
	rows: readonly Record<string, unknown>[];
	/** Rows that matched before the cap, when known (drill-downs count them). */
	total?: number;
	cap?: number;
}

/**
 * A CSV download written chunk by chunk from rows (through the one CSV
 * writer, src/lib/csv.ts), at most `cap` rows. The headers state the cap and,
 * when rows were left out, how many matched: `X-Row-Cap`, `X-Rows`,
 * `X-Rows-Total`, `X-Rows-Truncated`, so a script can tell a complete file
 * from a cut one without opening it.
 */
export function csvResponse(e: CsvExport): Response {
	const cap = e.cap ?? CSV_ROW_CAP;
	const rows = e.rows.length > cap ? e.rows.slice(0, cap) : e.rows;
	const total = Math.max(e.total ?? e.rows.length, e.rows.length);
	let at = -1;
	const body = new ReadableStream<Uint8Array>({
		pull(controller) {
			const encoder = new TextEncoder();
			if (at < 0) {
				controller.enqueue(encoder.encode(csvHeader(e.fields)));
				at = 0;
				return;
			}
			if (at >= rows.length) return controller.close();
			controller.enqueue(encoder.encode(csvLines(rows.slice(at, at + CHUNK_ROWS), e.fields)));
			at += CHUNK_ROWS;
		}
	});
	return new Response(body, {
		headers: {
			'content-type': 'text/csv; charset=utf-8',
			'content-disposition': `attachment; filename="${e.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
			'x-row-cap': String(cap),
			'x-rows': String(rows.length),
			'x-rows-total': String(total),
			'x-rows-truncated': total > rows.length ? '1' : '0'
		}
	});
}
