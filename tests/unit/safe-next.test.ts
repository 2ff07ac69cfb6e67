import { describe, expect, it } from 'vitest';
import { safeNext } from '../../src/lib/server/auth/next.js';

describe('where sign-in may send the browser', () => {
	it('keeps paths on this site, with their query', () => {
		expect(safeNext('/compute?from=2026-01-01')).toBe('/compute?from=2026-01-01');
		expect(safeNext('/glossary/mrr/rows')).toBe('/glossary/mrr/rows');
		expect(safeNext('/a/../revenue')).toBe('/revenue');
	});
	it('sends every way out to another site, and every malformed value, to /', () => {
		for (const next of [
			'//evil.example/x',
			'/\t/evil.example/x', // what /login?next=%2F%09%2Fevil.example%2Fx decodes to; Chromium drops the tab
			'/\n/evil.example',
			'/\r\n/evil.example',
			'/\\evil.example',
			'/\\/evil.example',
			'\\\\evil.example',
			'https://evil.example/',
			'http:evil.example',
			'javascript:alert(1)',
			'evil.example',
			' /compute',
			'/\u0000/evil.example',
			'/login',
			'/login/password',
			'',
			null,
			undefined,
			`/${'a'.repeat(3000)}`
		]) {
			expect({ next, to: safeNext(next) }).toEqual({ next, to: '/' });
		}
	});
});
