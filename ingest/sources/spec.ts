import { z } from 'zod';
import type { FileSource } from '../../src/lib/contracts/ingest.js';
import type { Rejection } from '../fields.js';

/** A broken cross-column rule: a rejection (`rule` is the value-free part used to count them). */
export type RuleIssue = Rejection;

/**
 * What a source needs beyond its column and row rules, called by the
 * JavaScript path (sources with rules or whole-file checks never take the SQL path).
 */
export interface SourceHooks {
	/**
	 * Opened once per file: a warning for a valid row that still loads (e.g. a job where the fleet had no capacity).
	 * Called with the row as validated (its columns parsed: times as 'YYYY-MM-DD HH:MM:SS.mmm' UTC), not as written.
	 */
	rowWarnings?: () => Promise<(row: Record<string, unknown>) => string | undefined>;
	/** Before a chunk lands: rows refused because of other rows (of the chunk or already loaded), by index in `rows`. */
	crossRowRejections?: (rows: Record<string, unknown>[], lines: readonly number[]) => Promise<Map<number, RuleIssue>>;
}

export interface SourceDefinition<C extends z.ZodObject> {
	source: FileSource;
	table: string;
	/** Per-column types, ranges and enums (../fields.ts). */
	columns: C;
	/** Rules across columns of one row, run after every column passed. */
	rules?: (row: z.output<C>) => RuleIssue[];
	/**
	 * The rules of `rules` (and the file's cross-row rules) in words, for
	 * docs/data.md: a function cannot be printed, and the docs test requires
	 * this whenever `rules` or `wholeFile` is set.
	 */
	ruleNotes?: readonly string[];
	/** What one row is, for docs/data.md. */
	describes: string;
	/** Natural key columns (the unit of "loading twice never counts twice"). */
	key: readonly (keyof z.output<C> & string)[];
	/**
	 * 'first': immutable events (impressions, jobs) — a key already loaded is
	 * skipped whatever its content, because metric SQL reads these tables without
	 * FINAL. 'latest': the most recently loaded row wins — an identical row is
	 * skipped, a changed one lands with a newer ingested_at.
	 */
	keep: 'first' | 'latest';
	/** Time column whose day leads the table's sort key: narrows the existing-key lookup to those days. */
	dayColumn?: keyof z.output<C> & string;
	/** Cross-row rules need every row of the file at once (small sources only). */
	wholeFile?: boolean;
	hooks?: SourceHooks;
	/**
	 * Inserts skip `optimize_on_insert` (ClickHouse's per-block run of the
	 * table engine's merge, for the table and for every materialized view's
	 * target). Only for a table whose chunks never repeat a key (ingest sends one
	 * row per key) and whose views all GROUP BY their target's sorting key, read
	 * by SQL that aggregates again: then that merge finds nothing to collapse and
	 * only costs CPU (measured on the impressions views: the user-day view's
	 * insert 6.2 → 1.5 CPU µs a row on the benchmark file).
	 */
	insertUnmerged?: boolean;
}

/**
 * How one file source maps onto its table. `columns` + `rules` are the only
 * place the source's rules are written; `schema` is them as one zod schema
 * (z.infer gives the row type), and the ingest fast path calls the very same
 * column parsers and rule function without zod's per-object overhead.
 */
export interface SourceSpec<C extends z.ZodObject = z.ZodObject> extends SourceDefinition<C> {
	schema: z.ZodType<z.output<C>, unknown>;
	columnNames: string[];
	requiredColumns: string[];
}

export function defineSource<C extends z.ZodObject>(def: SourceDefinition<C>): SourceSpec<C> {
	const schema = def.columns.superRefine((row, ctx) => {
		for (const issue of def.rules?.(row) ?? []) {
			ctx.addIssue({ code: 'custom', path: [issue.field], message: issue.message, params: { rule: issue.rule } });
		}
	}) as unknown as z.ZodType<z.output<C>, unknown>;
	const shape = def.columns.shape as Record<string, z.ZodType>;
	return {
		...def,
		schema,
		columnNames: Object.keys(shape),
		// Required = the column's own schema rejects a missing value: asked, not written twice.
		requiredColumns: Object.entries(shape)
			.filter(([, s]) => !s.safeParse(undefined).success)
			.map(([name]) => name)
	};
}

/** Shorthand for a rule that holds unless `ok` is false. */
export function check(issues: RuleIssue[], ok: boolean, field: string, rule: string, detail?: string): void {
	if (!ok) issues.push({ field, rule, message: detail ? `${rule} ${detail}` : rule });
}
