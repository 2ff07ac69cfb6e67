/**
 * Valid input records for tests, so a test spells out only what it is about.
 * Keys come in the file's column order (ingest/sources/engagement.ts), and an
 * override keeps a column where it is: files built from these stay one key
 * order, which the canonical SQL path expects of an exporter's NDJSON.
 */

const ENGAGEMENT = {
	impression_id: 'i1',
	ts: '2026-06-01T10:00:00.000Z',
	user_id: 'u1',
	session_id: 's1',
	video_id: 'v1',
	watch_ms: 1000,
	video_duration_ms: 15000,
	position: 0,
	surface: 'feed',
	feed_mode: 'default',
	rec_arm: 'control',
	autoplay: true,
	liked: false,
	shared: false,
	commented: false,
	followed: false,
	not_interested: false,
	reported: false
};

/** One engagement record with every required column; optional columns (country, platform, …) only when given. */
export function engagementRecord<O extends Record<string, unknown>>(overrides: O = {} as O): typeof ENGAGEMENT & O {
	return { ...ENGAGEMENT, ...overrides };
}
