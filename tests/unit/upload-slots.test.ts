import { describe, expect, it } from 'vitest';
import { RESERVE_BYTES, takeUploadSlot } from '../../src/lib/server/http/upload-slots.js';

const plenty = () => 100 * 1024 ** 3;

describe('upload spooling limits', () => {
	it('at most two uploads at once; a third gets 429 until one finishes', () => {
		const a = takeUploadSlot(undefined, '/tmp', plenty);
		const b = takeUploadSlot(undefined, '/tmp', plenty);
		expect(a.ok && b.ok).toBe(true);
		expect(takeUploadSlot(undefined, '/tmp', plenty)).toMatchObject({ ok: false, status: 429 });
		if (a.ok) a.release();
		if (a.ok) a.release(); // twice changes nothing
		const c = takeUploadSlot(undefined, '/tmp', plenty);
		expect(c.ok).toBe(true);
		expect(takeUploadSlot(undefined, '/tmp', plenty)).toMatchObject({ ok: false, status: 429 });
		for (const s of [b, c]) if (s.ok) s.release();
	});
	it('refuses a declared size that would leave less than the reserve free (507), before writing anything', () => {
		const free = () => RESERVE_BYTES + 1000;
		expect(takeUploadSlot(2000, '/tmp', free)).toMatchObject({ ok: false, status: 507 });
		const ok = takeUploadSlot(1000, '/tmp', free);
		expect(ok.ok).toBe(true);
		if (ok.ok) ok.release();
	});
});
