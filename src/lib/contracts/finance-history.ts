import { z } from 'zod';

/**
 * Rate history and closed months (docs/finance.md "Rate history, as-of and
 * closed months"): shared by the API, the admin page, the Compute page and the CLI.
 */

/** A calendar month, written 2026-10 (or 2026-10-01, its first day). */
export const monthInput = z
	.string()
	.trim()
	.regex(/^\d{4}-(0[1-9]|1[0-2])(-01)?$/, 'must be a month like 2026-10')
	.transform((s) => `${s.slice(0, 7)}-01`);

export const monthCloseActions = ['close', 'reopen'] as const;
export const monthCloseInput = z
	.object({
		month: monthInput,
		action: z.enum(monthCloseActions, { message: `action must be one of: ${monthCloseActions.join(', ')}` }).default('close'),
		note: z.string().trim().max(500, 'at most 500 characters').default('')
	})
	.strict();
export type MonthCloseInput = z.input<typeof monthCloseInput>;

/** A month's close as stored: closed = false once reopened. Times are ISO instants (UTC). */
export interface MonthClose {
	month: string;
	closed: boolean;
	as_of: string;
	actor: string;
	note: string;
	changed_at: string;
}

/** One correction of a fleet or price-sheet row: the fields that changed, old → new, and the load that changed them. */
export interface RateCorrection {
	source: 'gpu_fleet' | 'gpu_price_sheets';
	cluster: string;
	gpu_type: string;
	valid_from: string;
	row_key: string;
	old_values: string;
	new_values: string;
	/** The changed fields in one line: `rental_usd_per_gpu_hour 1.79 → 1.85`. */
	change: string;
	previous_loaded_at: string;
	loaded_at: string;
	ingest_run_id: string;
}

/**
 * A correction load's effect on one month: spend and margin (revenue − compute
 * spend) as reported just before the load and just after it.
 */
export interface RestatementRow {
	month: string;
	ingest_run_id: string;
	loaded_at: string;
	rows_corrected: string;
	changes: string;
	spend_before_usd: number;
	spend_after_usd: number;
	spend_restatement_usd: number;
	margin_before_usd: number;
	margin_after_usd: number;
	margin_restatement_usd: number;
}

/** A month of the period: for a closed one, what was reported at close and the restatement since. */
export interface MonthFigures {
	month: string;
	closed: boolean;
	closed_as_of: string | null;
	closed_by: string | null;
	reported_spend_usd: number | null;
	spend_now_usd: number;
	spend_restatement_usd: number | null;
	reported_margin_usd: number | null;
	margin_now_usd: number;
	margin_restatement_usd: number | null;
}

export interface RestatementReport {
	from: string;
	to: string;
	/** Whole months covering [from, to). */
	months: MonthFigures[];
	corrections: RateCorrection[];
	restatements: RestatementRow[];
	/** Where every figure comes from: the SQL files and the statements run. */
	sql: { corrections: string; spend: string; revenue: string };
}
