import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sources } from '../../ingest/sources/index.js';
import { compileValidator } from '../../ingest/validate.js';
import { parseMaxErrors } from '../../ingest/index.js';
import { gapsOf } from '../../src/lib/server/ingest-runs/index.js';
import type { FileSource } from '../../src/lib/contracts/ingest.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'ingest', name), 'utf8');

function records(name: string): Record<string, unknown>[] {
	return fixture(name)
		.split('\n')
		.flatMap((l) => {
			try {
				const v = JSON.parse(l);
				return v && typeof v === 'object' && !Array.isArray(v) ? [v] : [];
			} catch {
				return [];
			}
		});
}

describe('one definition of the rules', () => {
	it.each([
		['engagement', 'engagement.ndjson'],
		['videos', 'videos.ndjson'],
		['generation_jobs', 'generation_jobs.ndjson'],
		['gpu_fleet', 'gpu_fleet.ndjson']
	] as [FileSource, string][])('%s: the fast validator and the zod schema accept, convert and reject alike', (source, file) => {
		const spec = sources[source];
		const fast = compileValidator(spec);
		const rows = records(file);
		expect(rows.length).toBeGreaterThan(1);
		for (const r of rows) {
			const z = spec.schema.safeParse(r);
			const f = fast(r);
			if (z.success) {
				expect(f.row, JSON.stringify(r)).toEqual(spec.columnNames.map((c) => (z.data as Record<string, unknown>)[c]));
			} else {
				const zodMessages = z.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).sort();
				expect(f.issues?.map((i) => `${i.field}: ${i.message}`).sort(), JSON.stringify(r)).toEqual(zodMessages);
			}
		}
	});

	it('derives required columns from the schema itself', () => {
		expect(sources.users.requiredColumns).toEqual(['user_id', 'signup_at']);
		expect(sources.ad_revenue.requiredColumns).toEqual(['date', 'ad_impressions', 'revenue_usd']);
	});
});

describe('column rules', () => {
	const v = compileValidator(sources.users);
	const user = (signup_at: unknown, extra: Record<string, unknown> = {}) => v({ user_id: 'u', signup_at, ...extra });

	it.each([
		['2026-06-01T12:00:00.000Z', '2026-06-01 12:00:00.000'],
		['2026-06-01T14:00:00+02:00', '2026-06-01 12:00:00.000'],
		['2026-06-01T14:00:00+0200', '2026-06-01 12:00:00.000'],
		['2026-06-01 12:00:00Z', '2026-06-01 12:00:00.000'],
		['2026-06-01T12:00:00.123456Z', '2026-06-01 12:00:00.123'],
		[1780315200000, '2026-06-01 12:00:00.000'],
		['1780315200000', '2026-06-01 12:00:00.000']
	])('time %j → %s UTC', (input, out) => {
		expect(user(input).row?.[1]).toBe(out);
	});

	it.each([
		['2026-06-01T12:00:00', 'signup_at: must be an ISO-8601 time with zone or epoch milliseconds, got "2026-06-01T12:00:00"'],
		['2026-02-29T12:00:00Z', 'signup_at: is not a valid date-time, got "2026-02-29T12:00:00Z"'],
		[1780315200, 'signup_at: must be between 2000 and 2100 (looks like epoch seconds; milliseconds expected), got 1780315200'],
		[null, 'signup_at: is required']
	])('time %j is refused: %s', (input, message) => {
		expect(user(input).issues?.map((i) => `${i.field}: ${i.message}`)).toEqual([message]);
	});

	it('accepts CSV spellings of booleans and refuses the rest', () => {
		expect(user('2026-06-01T00:00:00Z', { is_internal: 'TRUE' }).row?.[4]).toBe(true);
		expect(user('2026-06-01T00:00:00Z', { is_internal: '0' }).row?.[4]).toBe(false);
		expect(user('2026-06-01T00:00:00Z', { is_internal: '' }).row?.[4]).toBe(false);
		expect(user('2026-06-01T00:00:00Z', { is_internal: 'maybe' }).issues?.[0]?.message).toBe('must be true or false, got "maybe"');
	});

	it('keeps money exact and refuses more than 6 decimals', () => {
		const ad = compileValidator(sources.ad_revenue);
		const row = (revenue_usd: unknown) => ad({ date: '2026-06-01', ad_impressions: '5', revenue_usd });
		expect(row('0.1').row?.[4]).toBe('0.1');
		expect(row(1234.5).row?.[4]).toBe('1234.5');
		expect(row('1.1234567').issues?.[0]?.rule).toBe('must be a decimal with at most 6 decimal places');
		expect(row('1e3').issues?.[0]?.rule).toBe('must be a decimal with at most 6 decimal places');
	});

	it('reads cameo ids as a JSON array or a ;-separated CSV cell', () => {
		const videos = compileValidator(sources.videos);
		const base = { video_id: 'v', created_at: '2026-06-01T00:00:00Z', creator_id: 'c', creator_kind: 'human', duration_ms: 1, topic: 't', cameo_consent: 'none', copyright_flag: false };
		expect(videos({ ...base, cameo_user_ids: ['a', 'b'] }).row?.[9]).toEqual(['a', 'b']);
		expect(videos({ ...base, cameo_user_ids: 'a; b;' }).row?.[9]).toEqual(['a', 'b']);
		expect(videos({ ...base, cameo_user_ids: '["a"]' }).row?.[9]).toEqual(['a']);
		expect(videos({ ...base, cameo_user_ids: '' }).row?.[9]).toEqual([]);
	});
});

describe('--max-errors', () => {
	it('takes a count or a percentage', () => {
		expect(parseMaxErrors('100')).toMatchObject({ limit: 100, percent: false });
		expect(parseMaxErrors('0.5%')).toMatchObject({ limit: 0.5, percent: true });
		expect(parseMaxErrors()).toMatchObject({ limit: 1, percent: true });
		expect(() => parseMaxErrors('lots')).toThrow(/--max-errors lots: expected a row count such as 100 or a percentage such as 1%/);
		expect(() => parseMaxErrors('1.5')).toThrow(/--max-errors/);
	});
});

describe('gaps in rows per day', () => {
	it('reports empty stretches between days with rows, not before the first or after the last', () => {
		const days = ['01', '02', '03', '04', '05', '06', '07'].map((d, i) => ({ day: `2026-06-${d}`, source: 'engagement', rows: [0, 5, 0, 0, 7, 1, 0][i]! }));
		expect(gapsOf(days)).toEqual([{ source: 'engagement', from: '2026-06-03', to: '2026-06-04', days: 2 }]);
		expect(gapsOf(days.map((d) => ({ ...d, rows: 0 })))).toEqual([]);
	});
});
