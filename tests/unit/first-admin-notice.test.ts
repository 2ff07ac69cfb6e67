import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { announceFirstAdmin } from '../../src/cli/first-admin-notice.js';

const dir = mkdtempSync(join(tmpdir(), 'loopmeter-first-admin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the first admin's one-time password", () => {
	it('is shown on a terminal', () => {
		const lines: string[] = [];
		announceFirstAdmin('Secret0123456789abcd', { tty: true, dir, log: (l) => lines.push(l) });
		expect(lines.join('\n')).toContain('Secret0123456789abcd');
	});
	it('never goes into a log: it goes to a file only the owner can read, which the log names', () => {
		const lines: string[] = [];
		const { file } = announceFirstAdmin('Secret0123456789abcd', { tty: false, dir, log: (l) => lines.push(l) });
		expect(lines.join('\n')).not.toContain('Secret0123456789abcd');
		expect(lines.join('\n')).toContain(file!);
		expect(readFileSync(file!, 'utf8').trim()).toBe('Secret0123456789abcd');
		expect(statSync(file!).mode & 0o777).toBe(0o600);
	});
});
