import { z } from 'zod';
import { date, decimal, text } from '../fields.js';
import { check, defineSource, type RuleIssue } from './spec.js';

/** A GPU provider's invoice for one cluster and month: what compute spend is reconciled against. */
export const gpuInvoiceRow = z.object({
	invoice_id: text(),
	provider: text(),
	cluster: text(),
	month: date(),
	amount_usd: decimal()
});
export type GpuInvoiceRow = z.infer<typeof gpuInvoiceRow>;

export default defineSource({
	source: 'gpu_invoices',
	table: 'gpu_invoices',
	describes: "A GPU provider's invoice for one cluster and month: what computed compute spend is reconciled against.",
	ruleNotes: ['month must be the first day of the month billed.'],
	columns: gpuInvoiceRow,
	rules: (r) => {
		const issues: RuleIssue[] = [];
		check(issues, r.month.endsWith('-01'), 'month', 'must be the first day of the month billed,', `got ${r.month}`);
		return issues;
	},
	key: ['invoice_id'],
	keep: 'latest'
});
