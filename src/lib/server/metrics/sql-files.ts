import { existsSync, readFileSync } from 'node:fs';
import { sqlPath } from '../project-root.js';
import { DAY_TABLE_WINDOWS, dayTableName, isDayTableSource, type DayTableSource } from './day-table-sources.js';

/**
 * `{{name}}` includes sql/metrics/name.sql; `{{rollup:name}}` includes a relation that has a rollup form;
 * `{{from_first_start:name}}` includes name.sql read from the first day a job ending in the period started;
 * `{{forecast_months:name}}` includes name.sql read over the whole months and run-rate window of a forecast;
 * `{{trend_weeks:name}}` includes name.sql read over the complete weeks a break-even trend is fitted to;
 * `{{invoice_periods:name}}` includes name.sql read over the whole service periods of the period's invoices;
 * `{{name(inner=other)}}` includes name.sql reading other.sql wherever it (or what it includes) includes inner.sql.
 * Groups: [1] prefix, [2] name, [3] inner, [4] other.
 */
export const INCLUDE = /\{\{(rollup:|from_first_start:|forecast_months:|trend_weeks:|invoice_periods:)?([a-z0-9_/]+)(?:\(([a-z0-9_/]+)=([a-z0-9_/]+)\))?\}\}/g;

/**
 * Relations swapped by `{{name(inner=other)}}`: one file can be computed two
 * ways (a day table's build form reads kept state instead of all history) and
 * still be written once.
 */
type Swaps = Readonly<Record<string, string>>;
const NO_SWAPS: Swaps = {};

/** Whether sql/metrics/<name>.sql exists: a `build` metric's nominal source and an absent build form have none. */
export const hasMetricSql = (name: string): boolean => existsSync(sqlPath('metrics', `${name}.sql`));

const isRollupInclude = (prefix: string | undefined) => prefix === 'rollup:';

/**
 * Per-job figures of jobs that *end* in the period (cost per output-second) need
 * the cost of every day those jobs ran, some before the period. A relation
 * included as `{{from_first_start:name}}` has its period start moved back to the
 * first day such a job started: the start stays a parameter, widened by a scalar
 * subquery (evaluated once per query), so no value is written into the SQL.
 */
const FROM_FIRST_START_OF_PERIOD_JOBS = `least({from:Date}, ifNull((SELECT toDate(minOrNull(started_at)) FROM generation_jobs
	WHERE ended_at >= toDateTime64({from:Date}, 3, 'UTC') AND ended_at < toDateTime64({to:Date}, 3, 'UTC')), {from:Date}))`;

/**
 * A month-end forecast (budget_forecast) needs every day of the months from
 * `from`'s through the one holding the as-of day `to` (budgets are monthly;
 * actuals from the month's first day) and the run-rate window before `to`,
 * which may start in the month before: the period is widened to
 * [least(month of from, to − window), first day of the month after to's),
 * still from the parameters, in one pass so neither bound is substituted twice.
 */
const FORECAST_MONTHS: Record<string, string> = {
	'{from:Date}': 'least(toStartOfMonth({from:Date}), {to:Date} - {run_rate_days:UInt32})',
	'{to:Date}': 'addMonths(toStartOfMonth({to:Date}), 1)'
};

/** The break-even outlook's weeks: the {trend_weeks} complete Monday weeks before the week holding `to`. */
const TREND_WEEKS_PERIOD: Record<string, string> = {
	'{from:Date}': 'toMonday({to:Date}) - 7 * {trend_weeks:UInt32}',
	'{to:Date}': 'toMonday({to:Date})'
};

/**
 * Revenue reconciliation compares an invoice with every day its lines are
 * recognized, inside the period or not: a relation included as
 * `{{invoice_periods:name}}` is read from the first service day to the last of
 * the lines of the invoices finalized in the period (and at least over the
 * period), widened by scalar subqueries like the one above.
 */
// One line: the parameters it replaces also appear in the included file's comments.
const PERIOD_INVOICE_LINES = `FROM stripe_lines_current WHERE invoice_id IN (SELECT invoice_id FROM stripe_invoices FINAL WHERE created >= toDateTime64({from:Date}, 3, 'UTC') AND created < toDateTime64({to:Date}, 3, 'UTC'))`;
const INVOICE_PERIODS: Record<string, string> = {
	'{from:Date}': `least({from:Date}, ifNull((SELECT toDate(minOrNull(period_start)) ${PERIOD_INVOICE_LINES}), {from:Date}))`,
	'{to:Date}': `greatest({to:Date}, ifNull((SELECT toDate(maxOrNull(period_end)) + 1 ${PERIOD_INVOICE_LINES}), {to:Date}))`
};

const PERIODS: Record<string, Record<string, string>> = {
	'from_first_start:': { '{from:Date}': FROM_FIRST_START_OF_PERIOD_JOBS, '{to:Date}': '{to:Date}' },
	'forecast_months:': FORECAST_MONTHS,
	'trend_weeks:': TREND_WEEKS_PERIOD,
	'invoice_periods:': INVOICE_PERIODS
};

interface Include {
	prefix: string | undefined;
	name: string;
	inner: string | undefined;
	other: string | undefined;
}

function includeText({ prefix, name, inner, other }: Include, opts: SqlOptions, seen: string[], swaps: Swaps): string {
	const inside = inner && other ? { ...swaps, [inner]: other } : swaps;
	const file = swaps[name] ?? name;
	const period = prefix ? PERIODS[prefix] : undefined;
	if (period) return expand(file, opts, seen, inside).replace(/\{(?:from|to):Date\}/g, (bound) => period[bound]!);
	return expand(isRollupInclude(prefix) && !opts.raw ? `rollup_${file}` : file, opts, seen, inside);
}

export interface SqlOptions {
	/**
	 * Resolve `{{rollup:name}}` to the raw-table form `name.sql` instead of
	 * `rollup_name.sql`: the benchmark and the rollup tests compare both.
	 */
	raw?: boolean;
	/**
	 * Files whose day table is current (day-tables.ts): wherever one is read,
	 * directly or through an include, its day table is read instead (not when raw).
	 */
	dayTables?: ReadonlySet<string>;
}

function dayTableText(name: DayTableSource): string {
	const { before, after } = DAY_TABLE_WINDOWS[name];
	const shift = (param: string, days: number) => (days ? `${param} ${days > 0 ? '+' : '-'} ${Math.abs(days)}` : param);
	return `-- sql/metrics/${name}.sql as computed after the last ingest (day table ${dayTableName(name)}), for the days the file returns
SELECT * FROM ${dayTableName(name)} WHERE day >= ${shift('{from:Date}', -before)} AND day < ${shift('{to:Date}', after)}`;
}

const readsDayTableOf = (name: string, opts: SqlOptions): name is DayTableSource => !opts.raw && isDayTableSource(name) && Boolean(opts.dayTables?.has(name));

const texts = new Map<string, string>();
const expanded = new Map<string, string>();

function fileText(name: string): string {
	let text = texts.get(name);
	if (text === undefined) {
		text = readFileSync(sqlPath('metrics', `${name}.sql`), 'utf8').trim().replace(/;\s*$/, '');
		texts.set(name, text);
	}
	return text;
}

/**
 * Text of sql/metrics/<name>.sql without its trailing semicolon, includes
 * expanded, cached. `{{other}}` includes sql/metrics/other.sql, so a base
 * relation used by several metrics (e.g. the cost model) is written once.
 * `{{rollup:rel}}` includes rollup_rel.sql, which reads a table kept by a
 * materialized view, or rel.sql (the same columns from the raw tables) when
 * `raw` is asked: a metric built on such a relation has one definition and
 * two ways to read it. Double braces never clash with ClickHouse's
 * `{param:Type}` placeholders.
 */
export function metricSql(name: string, opts: SqlOptions = {}): string {
	return expand(name, opts, [], NO_SWAPS);
}

function expand(name: string, opts: SqlOptions, seen: string[], swaps: Swaps): string {
	if (seen.includes(name)) throw new Error(`sql/metrics: include cycle ${[...seen, name].join(' → ')}`);
	if (readsDayTableOf(name, opts)) return dayTableText(name);
	const key = `${opts.raw ? 'raw' : `rollup:${dayTablesKey(opts)}`}:${JSON.stringify(swaps)}:${name}`;
	let sql = expanded.get(key);
	if (sql === undefined) {
		sql = codeLines(fileText(name), (line) =>
			line.replace(INCLUDE, (_, prefix: string | undefined, inc: string, inner: string | undefined, other: string | undefined) =>
				includeText({ prefix, name: inc, inner, other }, opts, [...seen, name], swaps)
			)
		);
		expanded.set(key, sql);
	}
	return sql;
}

/** The files an include names: the one included and, for `{{name(inner=other)}}`, the one swapped in. */
export const includedFiles = (m: RegExpMatchArray): string[] => (m[4] ? [m[2]!, m[4]] : [m[2]!]);

/**
 * Whether sql/metrics/<name>.sql, or anything it includes, reads a rollup table
 * (when not asked for raw). A name without a file (a `build` metric's label) reads none.
 */
export function readsRollup(name: string, seen: string[] = []): boolean {
	// Asked for every panel request: the answer depends only on the files, which never change while running.
	let known = rollupReaders.get(name);
	if (known === undefined) {
		if (name.startsWith('rollup_')) known = true;
		else if (seen.includes(name) || !hasMetricSql(name)) return false;
		else known = includes(fileText(name)).some((m) => isRollupInclude(m[1]) || includedFiles(m).some((f) => readsRollup(f, [...seen, name])));
		rollupReaders.set(name, known);
	}
	return known;
}

const rollupReaders = new Map<string, boolean>();

/** The day tables reading sql/metrics/<name>.sql this way reads, itself or through its includes. */
export function dayTablesRead(name: string, opts: SqlOptions, seen: string[] = []): string[] {
	if (opts.raw || !opts.dayTables?.size || seen.includes(name)) return [];
	if (readsDayTableOf(name, opts)) return [name];
	// Asked for every panel request, like readsRollup: remembered per file and set of current day tables.
	const key = `${dayTablesKey(opts)}:${name}`;
	let known = dayTableReaders.get(key);
	if (known === undefined) {
		if (!hasMetricSql(name)) return [];
		known = [
			...new Set(includes(fileText(name)).flatMap((m) => (isRollupInclude(m[1]) ? [] : includedFiles(m).flatMap((f) => dayTablesRead(f, opts, [...seen, name])))))
		];
		dayTableReaders.set(key, known);
	}
	return known;
}

const dayTableReaders = new Map<string, string[]>();

const dayTablesKey = (opts: SqlOptions) => [...(opts.dayTables ?? [])].sort().join(',');

const isComment = (line: string) => line.trimStart().startsWith('--');

/** Comment lines may mention an include by name: only code lines are expanded. */
function codeLines(text: string, expand: (line: string) => string): string {
	return text
		.split('\n')
		.map((line) => (isComment(line) ? line : expand(line)))
		.join('\n');
}

/** The includes on code lines of a file's text: [match, prefix, name, inner, other] (INCLUDE's groups). */
export function includes(text: string): RegExpMatchArray[] {
	return text.split('\n').filter((line) => !isComment(line)).flatMap((line) => [...line.matchAll(INCLUDE)]);
}
