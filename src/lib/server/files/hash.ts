import { createHash } from 'node:crypto';
import { reusedReads } from './reused-reads.js';

/**
 * SHA-256 of a file, hex: what a loaded file is known by (resuming a killed
 * run, skipping a re-run). Here, below both ingest/ and the Stripe events
 * file, so neither imports the other to hash.
 */
export async function hashFile(path: string): Promise<string> {
	const h = createHash('sha256');
	for await (const chunk of reusedReads(path)) h.update(chunk);
	return h.digest('hex');
}
