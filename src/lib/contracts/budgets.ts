import { z } from 'zod';

/**
 * A monthly budget line set by an admin (page, API, CLI): the same fields and
 * rules as a row of the budgets source (ingest/sources/budgets.ts), which takes
 * its lines from here.
 */
export const budgetLines = ['compute', 'revenue'] as const;
export const budgetLine = z.enum(budgetLines, { message: `line must be one of: ${budgetLines.join(', ')}` });

export const budgetInput = z
	.object({
		month: z
			.string()
			.regex(/^\d{4}-\d{2}-01$/, 'must be the first day of the month budgeted, like 2026-11-01')
			.refine((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date'),
		line: budgetLine,
		scope: z.string().trim().max(200, 'at most 200 characters').default(''),
		amount_usd: z.coerce.number({ message: 'must be a number' }).finite('must be a number').min(0, 'must be ≥ 0').max(1e12, 'must be below 10^12')
	})
	.strict()
	.refine((b) => b.line === 'compute' || b.scope === '', { message: 'must be empty for revenue budgets (revenue is budgeted for the company)', path: ['scope'] });
export type BudgetInput = z.input<typeof budgetInput>;

/** A budget line as it stands: the latest set, by a file load or an admin. */
export const budget = z.object({
	month: z.string(),
	line: z.string(),
	scope: z.string(),
	amount_usd: z.coerce.number(),
	/** The admin who set it, or empty for a file load. */
	set_by: z.string(),
	/** The ingest run of a file load, or admin:<id> for an admin's set. */
	ingest_run_id: z.string(),
	set_at: z.string()
});
export type Budget = z.infer<typeof budget>;
