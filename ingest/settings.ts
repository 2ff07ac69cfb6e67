import { z } from 'zod';

/**
 * Ingest tuning knobs, validated like src/lib/server/config.ts (kept here so
 * the ingest path owns them; upload size lives there as LOOPMETER_MAX_UPLOAD_BYTES).
 */
const schema = z.object({
	/**
	 * Records per committed chunk: the unit of resume and of insert deduplication.
	 * Two chunks are in memory at once (one parsed while the other is written).
	 */
	LOOPMETER_INGEST_CHUNK_ROWS: z.coerce.number().int().min(100, 'LOOPMETER_INGEST_CHUNK_ROWS must be at least 100').default(50_000),
	/** Interval of the plain progress lines printed when stderr is not a terminal. */
	LOOPMETER_PROGRESS_INTERVAL_MS: z.coerce.number().int().positive().default(5000)
});

export type IngestSettings = z.infer<typeof schema>;

export function ingestSettings(env: NodeJS.ProcessEnv = process.env): IngestSettings {
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const parsed = schema.safeParse(cleaned);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new Error(`Configuration error in ${issue.path.join('.')}: ${issue.message}`);
	}
	return parsed.data;
}
