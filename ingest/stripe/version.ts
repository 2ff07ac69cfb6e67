import { createHash } from 'node:crypto';

/**
 * The version of one state of a Stripe object: when that state was true, not
 * when it arrived. `seconds × 65536 + tie-break`, so the newest state wins in
 * the ReplacingMergeTree tables whatever order webhooks, sync pages or file
 * lines come in. Two states in the same second are ordered by whether the
 * state is terminal (a subscription `canceled`, an invoice `paid`, a deleted
 * object: nothing follows those), then by a hash of the payload, so every
 * channel picks the same winner.
 */
export function stateVersion(seconds: number, object: Record<string, unknown>, deleted = false): number {
	const terminal = deleted || isTerminal(object) ? 0x8000 : 0;
	const hash = createHash('sha1').update(JSON.stringify(object)).digest().readUInt16BE(0) & 0x7fff;
	return seconds * 0x10000 + terminal + hash;
}

const TERMINAL: Record<string, readonly string[]> = {
	subscription: ['canceled', 'incomplete_expired'],
	invoice: ['paid', 'void', 'uncollectible'],
	credit_note: ['void'],
	refund: ['succeeded', 'failed', 'canceled']
};

function isTerminal(object: Record<string, unknown>): boolean {
	const states = TERMINAL[String(object.object)];
	return !!states && states.includes(String(object.status)) || object.deleted === true;
}

/** DateTime64(3) text for JSONEachRow. */
export function chTime(seconds: number): string {
	return new Date(seconds * 1000).toISOString().replace('T', ' ').replace('Z', '');
}
