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

const GENERATION_JOB = {
	job_id: 'j1',
	request_id: 'r1',
	user_id: 'u1',
	purpose: 'user',
	model: 'video-gen-2',
	resolution: '720p',
	output_seconds: 10,
	cluster: 'us-east',
	gpu_type: 'H100',
	gpu_count: 8,
	started_at: '2026-06-01T10:00:00.000Z',
	ended_at: '2026-06-01T10:02:00.000Z',
	status: 'succeeded'
};

/** One generation_jobs record (ingest/sources/generation-jobs.ts) with every required column. */
export function generationJobRecord<O extends Record<string, unknown>>(overrides: O = {} as O): typeof GENERATION_JOB & O {
	return { ...GENERATION_JOB, ...overrides };
}

const RENTED_FLEET = {
	cluster: 'us-east',
	gpu_type: 'H100',
	valid_from: '2026-06-01T00:00:00.000Z',
	gpu_count: 64,
	ownership: 'rented',
	rental_usd_per_gpu_hour: '2.5'
};

/** One gpu_fleet record of rented capacity (ingest/sources/gpu-fleet.ts); valid_to only when given. */
export function rentedFleetRecord<O extends Record<string, unknown>>(overrides: O = {} as O): typeof RENTED_FLEET & O {
	return { ...RENTED_FLEET, ...overrides };
}
