import { describe, expect, it } from 'vitest';
import { Bad, clickhouseTime, messageOf, parserOf, timestamp } from '../../ingest/fields.js';

describe('timestamp fast path', () => {
	const parse = parserOf(timestamp());
	it.each([
		['2026-06-01T00:00:17.280Z', '2026-06-01 00:00:17.280'],
		['2024-02-29T23:59:59.999Z', '2024-02-29 23:59:59.999'],
		['2000-01-01T00:00:00.000Z', '2000-01-01 00:00:00.000'],
		['2100-01-01T00:00:00.000Z', '2100-01-01 00:00:00.000']
	])('%s → %s', (input, out) => {
		expect(parse(input)).toBe(out);
		expect(out).toBe(clickhouseTime(Date.parse(input)));
	});
	// Canonical-looking but wrong: the general path gives its usual message.
	it.each([
		['2026-02-29T10:00:00.000Z', 'is not a valid date-time'],
		['2026-13-01T10:00:00.000Z', 'is not a valid date-time'],
		['2026-06-01T10:60:00.000Z', 'is not a valid date-time'],
		['1999-12-31T23:59:59.999Z', 'must be between 2000 and 2100'],
		['2100-01-01T00:00:00.001Z', 'must be between 2000 and 2100'],
		['2026-06-01T1a:00:00.000Z', 'must be an ISO-8601 time with zone or epoch milliseconds']
	])('%s is refused: %s', (input, rule) => {
		const r = parse(input);
		expect(r).toBeInstanceOf(Bad);
		expect((r as Bad).rule).toBe(rule);
		expect(messageOf(r as Bad)).toContain(input);
	});
});
