import { asOfParam, LATEST_AS_OF } from '../../contracts/as-of.js';
import type { Dimension, Grain, IdlePolicy, MetricId, MetricRequest } from '../../contracts/metrics.js';
import type { Params } from '../warehouse/index.js';
import { readConfig } from '../config.js';
import { supportedDimensions, type BaseSource, type BuildContext, type MetricDefinition } from './definition.js';
import { mrrParams } from './mrr-policy.js';
import { RUN_RATE_DAYS } from '../finance/run-rate.js';
import { TREND_WEEKS } from '../finance/break-even.js';
import { dayTablesRead, metricSql, readsRollup } from './sql-files.js';

export class MetricRequestError extends Error {
	constructor(readonly field: string, message: string) {
		super(`${field}: ${message}`);
	}
}

export interface BuiltQuery {
	/** SQL file the base rows come from, for the "show SQL" affordance. */
	file: string;
	sql: string;
	params: Params;
	/** The query reads at least one rollup table or day table (forceRaw: never). */
	rollup: boolean;
	/** The day tables it reads (day-tables.ts), by file name. */
	dayTables: string[];
}

export const periodExpr: Record<Exclude<Grain, 'total'>, string> = {
	day: 'day',
	week: 'toMonday(day)',
	month: 'toStartOfMonth(day)'
};

/** The parameters every metric SQL may use; periods are half-open [from, to). */
export function baseParams(req: MetricRequest): Params {
	const p: Params = { from: req.from, to: req.to };
	for (const [dim, values] of Object.entries(req.filters)) if (values?.length) p[`f_${dim}`] = values;
	const wi = req.what_if;
	p.gpu_price_factor = wi?.gpu_price_factor ?? 1;
	p.power_price_factor = wi?.power_price_factor ?? 1;
	p.free_quota_factor = wi?.free_quota_factor ?? 1;
	p.utilization_target = wi?.utilization_target ?? 0;
	p.idle_policy = effectiveIdlePolicy(req);
	p.cohort_by = req.cohort_by ?? 'signup_week';
	// The month-end forecast's window (budget_forecast), a constant: one value for its SQL, rows behind and glossary.
	p.run_rate_days = RUN_RATE_DAYS;
	// The weeks the break-even trend is fitted to (break_even_outlook), likewise.
	p.trend_weeks = TREND_WEEKS;
	// Fleet and price sheets as loaded by then (sql/metrics/fleet_as_of.sql); absent, the latest loads.
	p.as_of = req.as_of ? asOfParam(req.as_of) : LATEST_AS_OF;
	return { ...p, ...mrrParams(req.mrr) };
}

/** The request's idle-sharing policy, else the configured default (LOOPMETER_IDLE_POLICY). */
export function effectiveIdlePolicy(req: Pick<MetricRequest, 'idle_policy'>): IdlePolicy {
	return req.idle_policy ?? readConfig().LOOPMETER_IDLE_POLICY;
}

/** Whether a built query's figures depend on the idle-sharing policy (it reads the policy parameter). */
export const dependsOnIdlePolicy = (sql: string) => sql.includes('{idle_policy:String}');

/** Whether a built query has cohorts that follow `cohort_by` (it reads the parameter). */
export const dependsOnCohortBy = (sql: string) => sql.includes('{cohort_by:String}');

/** `AND plan IN {f_plan:Array(String)} …` for every filtered dimension. */
export function filterClause(req: MetricRequest): string {
	return Object.entries(req.filters)
		.filter(([, v]) => v?.length)
		.map(([dim]) => ` AND ${dim} IN {f_${dim}:Array(String)}`)
		.join('');
}

export function requestedDimensions(req: MetricRequest): Dimension[] {
	const filtered = Object.entries(req.filters).filter(([, v]) => v?.length).map(([d]) => d as Dimension);
	return [...new Set([...req.group_by, ...filtered])];
}

export interface BuildOptions {
	/**
	 * Skip rollup sources and read the raw tables: the benchmark and the rollup
	 * tests compare both paths of the same definition.
	 */
	forceRaw?: boolean;
	/**
	 * Base files whose day table is current (day-tables.ts): read from it instead
	 * of computing the file, unless forceRaw.
	 */
	dayTables?: ReadonlySet<string>;
}

/**
 * Rollup sources read pre-aggregated tables kept by materialized views: a
 * rollup_*.sql file (serves only the dimensions the rollup keeps), or a base
 * file built on a `{{rollup:…}}` relation (reads the rollup unless forceRaw).
 */
export function isRollupSource(source: BaseSource): boolean {
	return readsRollup(source.file);
}

/** The definitions the engine builds from: the registry's table, passed in so the engine never imports it. */
export type MetricLookup = (id: MetricId) => MetricDefinition;

/** A base file's text for this request: its day table when current, else the file (rollups or raw tables). */
function sourceSql(name: string, raw: boolean, opts: BuildOptions): { sql: string; rollup: boolean; dayTables: string[] } {
	const how = { raw, dayTables: opts.dayTables };
	const dayTables = dayTablesRead(name, how);
	return { sql: metricSql(name, how), rollup: dayTables.length > 0 || (!raw && readsRollup(name)), dayTables };
}

/**
 * Turns a validated request into one parameterized query. Dimension names are
 * checked against the metric's declared list (itself a zod enum), so only known
 * identifiers ever reach the SQL text; every value travels as a parameter.
 */
export function buildMetricQuery(req: MetricRequest, definitions: MetricLookup, opts: BuildOptions = {}): BuiltQuery {
	const def = definitions(req.metric);
	checkDimensions(req, def);
	const params = baseParams(req);
	const raw = Boolean(opts.forceRaw);
	if (!def.build) {
		const built = aggregateQuery(req, def, raw, opts);
		checkCohortBy(req, built.sql);
		return { ...built, params };
	}
	let rollup = false;
	const dayTables = new Set<string>();
	const note = (read: { rollup: boolean; dayTables: readonly string[] }) => {
		rollup ||= read.rollup;
		for (const d of read.dayTables) dayTables.add(d);
	};
	const ctx: BuildContext = {
		raw,
		sql: (name) => {
			const source = sourceSql(name, raw, opts);
			note(source);
			return source.sql;
		},
		aggregate: () => {
			const built = aggregateQuery(req, def, raw, opts);
			note(built);
			return built;
		},
		metricQuery: (request) => {
			const built = buildMetricQuery(request, definitions, opts);
			note(built);
			return built;
		}
	};
	const built = def.build(req, ctx);
	checkCohortBy(req, built.sql);
	return { file: built.file, sql: built.sql, params, rollup, dayTables: [...dayTables] };
}

/** Said rather than ignored: a cohort basis on a metric without cohorts would look as if it applied. */
function checkCohortBy(req: MetricRequest, sql: string): void {
	if (req.cohort_by && !dependsOnCohortBy(sql)) throw new MetricRequestError('cohort_by', `${req.metric} has no cohorts that follow cohort_by (the retention_* metrics do)`);
}

function checkDimensions(req: MetricRequest, def: MetricDefinition): void {
	const wanted = requestedDimensions(req);
	const allowed = supportedDimensions(def);
	const bad = wanted.find((d) => !allowed.includes(d));
	if (bad) {
		const field = req.group_by.includes(bad) ? 'by' : bad;
		throw new MetricRequestError(field, `${req.metric} cannot be grouped or filtered by ${bad}; it supports ${allowed.join(', ') || 'no dimensions'}`);
	}
}

/** `value` and `components` aggregated over the first source serving the request's dimensions. */
function aggregateQuery(req: MetricRequest, def: MetricDefinition, raw: boolean, opts: BuildOptions): Omit<BuiltQuery, 'params'> {
	const wanted = requestedDimensions(req);
	// A rollup_*.sql source has no raw form: forceRaw skips it.
	const candidates = raw ? def.sources.filter((s) => !s.file.startsWith('rollup_')) : def.sources;
	const source = candidates.find((s) => wanted.every((d) => s.dimensions.includes(d)));
	if (!source) throw new MetricRequestError('by', `${req.metric} has no raw-table source for ${wanted.join(', ') || 'this request'}`);
	const period = req.grain === 'total' ? [] : [`${periodExpr[req.grain]} AS period`];
	const dims = req.group_by as string[];
	const components = Object.entries(def.components ?? {}).map(([name, expr]) => `${expr} AS ${name}`);
	const keys = [...(req.grain === 'total' ? [] : ['period']), ...dims];
	const select = [...period, ...dims, `${def.value} AS value`, ...components].join(',\n\t');
	const base = sourceSql(source.file, raw, opts);
	const sql = `SELECT\n\t${select}\nFROM (\n${base.sql}\n) AS base\nWHERE day >= {from:Date} AND day < {to:Date}${filterClause(req)}${
		keys.length ? `\nGROUP BY ${keys.join(', ')}\nORDER BY ${keys.join(', ')}` : ''
	}`;
	return { file: `sql/metrics/${source.file}.sql`, sql, rollup: base.rollup, dayTables: base.dayTables };
}
