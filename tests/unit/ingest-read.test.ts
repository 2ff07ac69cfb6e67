import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { splitCsv } from '../../ingest/read.js';

describe('splitCsv', () => {
	// The hand-written splitter must give what Papa gives for every record it accepts, and leave the rest to Papa.
	it.each([
		'"b1","2026-06-01T00:00:00.000Z",12,true,"US"',
		'"a","b",1,"c""d"',
		'"a",,"",x',
		'a,"b\nc",d',
		'"a"b,c',
		'a"b,c',
		'"a",',
		',',
		'"",""',
		'"x;y";z',
		'a,b,',
		'"unclosed,a',
		'"a" ,b',
		'x,"a\r\nb"',
		'"say ""hi""","",""""'
	])('%j splits as Papa splits it', (text) => {
		for (const delimiter of [',', ';']) {
			expect(splitCsv(text, delimiter)).toEqual(Papa.parse<string[]>(text, { delimiter, header: false }).data[0] ?? []);
		}
	});
});
