import { randomUUID } from 'node:crypto';
import { budget, budgetInput, type Budget, type BudgetInput } from '../../contracts/budgets.js';
import { describeZodError } from '../../contracts/metrics.js';
import { audit } from '../audit/index.js';
import { command, query } from '../warehouse/index.js';
import { controlLane } from '../http/control-lane.js';

/**
 * Budgets set by admins (docs/finance.md "Forecast and break-even"): written
 * into the budgets table beside file loads, so one rule decides which value
 * counts — the latest set of a (month, line, scope) wins, from a file or an
 * admin (ReplacingMergeTree on ingested_at, read with FINAL by every metric).
 * Each set names its admin (set_by) and leaves an audit entry with the value
 * it replaced.
 */

export class BudgetError extends Error {}

/** Validates, stores and audits one budget line; returns it as it now stands. */
export async function setBudget(input: BudgetInput, actor: string, opts: { ip?: string } = {}): Promise<Budget> {
	const parsed = budgetInput.safeParse(input);
	if (!parsed.success) throw new BudgetError(describeZodError(parsed.error));
	const b = parsed.data;
	const before = await currentBudget(b);
	// A run id of its own: the table deduplicates identical inserts, and setting a value back is a new set.
	const run = `admin:${randomUUID()}`;
	await command(
		`INSERT INTO budgets (month, line, scope, amount_usd, ingest_run_id, set_by)
SELECT {month:Date}, {line:String}, {scope:String}, {amount:Decimal(18, 6)}, {run:String}, {set_by:String}`,
		{ tag: 'budgets:set', params: { month: b.month, line: b.line, scope: b.scope, amount: b.amount_usd.toFixed(6), run, set_by: actor.slice(0, 200) } }
	);
	const was = before ? `was ${before.amount_usd} (${before.set_by || `file ${before.ingest_run_id}`})` : 'was unset';
	await audit({ actor, action: 'budget.set', target: `${b.month} ${b.line}${b.scope ? ` ${b.scope}` : ''}`, ip: opts.ip, detail: `${b.amount_usd} USD; ${was}` });
	const now = await currentBudget(b);
	if (!now) throw new Error(`budgets: the line just set (${b.month} ${b.line} ${b.scope}) cannot be read back`);
	return now;
}

const SELECT = `SELECT toString(b.month) AS month, toString(b.line) AS line, b.scope AS scope, toString(b.amount_usd) AS amount_usd,
	b.set_by AS set_by, b.ingest_run_id AS ingest_run_id, toString(b.ingested_at) AS set_at
FROM budgets AS b FINAL`;

async function currentBudget(key: { month: string; line: string; scope: string }): Promise<Budget | undefined> {
	const rows = await query<Record<string, unknown>>(`${SELECT}\nWHERE b.month = {month:Date} AND b.line = {line:String} AND b.scope = {scope:String}`, {
		tag: 'budgets:get',
		params: { month: key.month, line: key.line, scope: key.scope }
	});
	return rows[0] ? budget.parse(rows[0]) : undefined;
}

/** Every budget line as it stands for months in [from, to) (all when no period), latest month first. */
export async function listBudgets(period: { from?: string; to?: string } = {}): Promise<Budget[]> {
	const rows = await (await controlLane()).query<Record<string, unknown>>(
		`${SELECT}\nWHERE b.month >= toStartOfMonth({from:Date}) AND b.month < {to:Date}\nORDER BY b.month DESC, b.line, b.scope`,
		{ tag: 'budgets:list', params: { from: period.from ?? '1970-01-01', to: period.to ?? '2149-06-01' } }
	);
	return rows.map((r) => budget.parse(r));
}
