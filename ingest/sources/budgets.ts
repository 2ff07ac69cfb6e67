import { z } from 'zod';
import { date, decimal, oneOf, text } from '../fields.js';
import { check, defineSource, type RuleIssue } from './spec.js';
import { budgetLines } from '../../src/lib/contracts/budgets.js';

/** A monthly budget line: compute (per cluster, or the whole company when scope is empty) or revenue (company). */
export const budgetRow = z.object({
	month: date(),
	line: oneOf(budgetLines),
	scope: text({ default: '' }),
	amount_usd: decimal({ min: 0 })
});
export type BudgetRow = z.infer<typeof budgetRow>;

export default defineSource({
	source: 'budgets',
	table: 'budgets',
	describes: 'A monthly budget line: compute per cluster (or the whole company when scope is empty), or revenue for the company.',
	ruleNotes: ['month must be the first day of the month budgeted.', 'Revenue budgets have an empty scope (revenue is budgeted for the company).'],
	columns: budgetRow,
	rules: (r) => {
		const issues: RuleIssue[] = [];
		check(issues, r.month.endsWith('-01'), 'month', 'must be the first day of the month budgeted,', `got ${r.month}`);
		check(issues, r.line === 'compute' || r.scope === '', 'scope', 'must be empty for revenue budgets (revenue is budgeted for the company),', `got ${r.scope}`);
		return issues;
	},
	key: ['month', 'line', 'scope'],
	keep: 'latest'
});
