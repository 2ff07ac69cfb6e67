import { z } from 'zod';

/** File sources (docs/data.md), plus Stripe event files. */
export const fileSources = ['engagement', 'videos', 'users', 'generation_jobs', 'gpu_fleet', 'ad_revenue', 'gpu_price_sheets', 'gpu_invoices', 'budgets', 'fx_rates'] as const;
export type FileSource = (typeof fileSources)[number];
export const ingestSource = z.enum([...fileSources, 'stripe_events']);
export type IngestSource = z.infer<typeof ingestSource>;

export const ingestFormat = z.enum(['ndjson', 'csv', 'parquet']);
export type IngestFormat = z.infer<typeof ingestFormat>;

export const ingestOutcome = z.enum(['running', 'succeeded', 'failed', 'rejected']);
export type IngestOutcome = z.infer<typeof ingestOutcome>;

/** What one ingest run reports: printed by the CLI, returned by the API, stored in ingest_runs. */
export const ingestReport = z.object({
	run_id: z.string(),
	source: ingestSource,
	file: z.string(),
	file_hash: z.string(),
	format: ingestFormat,
	bytes: z.number(),
	rows_read: z.number(),
	rows_loaded: z.number(),
	rows_duplicate: z.number(),
	rows_rejected: z.number(),
	rows_warned: z.number(),
	rejected_by_reason: z.array(z.object({ reason: z.string(), count: z.number() })),
	warnings_by_reason: z.array(z.object({ reason: z.string(), count: z.number() })),
	examples: z.array(z.object({ line: z.number(), field: z.string(), reason: z.string(), raw: z.string() })),
	extra_columns: z.array(z.string()),
	duration_ms: z.number(),
	outcome: ingestOutcome,
	message: z.string()
});
export type IngestReport = z.infer<typeof ingestReport>;
