import { statfsSync } from 'node:fs';

/**
 * Uploads are spooled to the temporary directory before they are ingested.
 * At most MAX_UPLOADS run at once (further ones get 429 and retry), and one
 * whose declared size would leave less than RESERVE_BYTES free there is
 * refused before a byte is written (507): a few parallel 10 GiB uploads must
 * not fill the disk the warehouse and the system live on.
 */
export const MAX_UPLOADS = 2;
export const RESERVE_BYTES = 1024 ** 3;

const KEY = Symbol.for('loopmeter.http.upload-slots');
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { running: 0 }) as { running: number };

export type UploadSlot = { ok: true; release: () => void } | { ok: false; status: 429 | 507; message: string };

export function freeBytes(dir: string): number {
	const s = statfsSync(dir);
	return s.bavail * s.bsize;
}

export function takeUploadSlot(declaredBytes: number | undefined, dir: string, free: (dir: string) => number = freeBytes, max = MAX_UPLOADS): UploadSlot {
	if (state.running >= max) return { ok: false, status: 429, message: `${max} uploads are already being received; retry when one has finished.` };
	if (declaredBytes !== undefined) {
		const available = free(dir) - RESERVE_BYTES;
		if (declaredBytes > available) {
			return { ok: false, status: 507, message: `The upload (${declaredBytes} bytes) does not fit in the free space of the temporary directory (${Math.max(0, available)} bytes to spare).` };
		}
	}
	state.running += 1;
	let released = false;
	return {
		ok: true,
		release: () => {
			if (released) return;
			released = true;
			state.running -= 1;
		}
	};
}
