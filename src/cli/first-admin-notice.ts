import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How `loopmeter serve` hands over the first admin's one-time password. On a
 * terminal it is shown once, as before. When the output is not a terminal it
 * is going to a log (systemd, Docker, CI), and logs get shipped and kept: the
 * password goes to a file only its owner can read, and the log names the file.
 */
export function announceFirstAdmin(password: string, opts: { tty: boolean; dir: string; log: (line: string) => void }): { file?: string } {
	opts.log('');
	if (opts.tty) {
		opts.log('Created the first account: user "admin", one-time password:');
		opts.log(`    ${password}`);
		opts.log('It is shown only now; sign in and change it (or `loopmeter users reset-password admin`).');
		opts.log('');
		return {};
	}
	mkdirSync(opts.dir, { recursive: true });
	const file = join(opts.dir, 'first-admin-password.txt');
	writeFileSync(file, `${password}\n`, { mode: 0o600 });
	// The mode is applied only when the file is created: an older copy gets it now.
	chmodSync(file, 0o600);
	opts.log(`Created the first account: user "admin". Its one-time password is in ${file} (readable only by this user), not in this log.`);
	opts.log('Sign in, change it, then delete the file (or `loopmeter users reset-password admin` on a terminal).');
	opts.log('');
	return { file };
}
