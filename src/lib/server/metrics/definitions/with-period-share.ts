import type { MetricRequest } from '../../../contracts/metrics.js';
import type { BuildContext } from '../definition.js';

/**
 * Shares of a period total (e.g. dead compute as a share of all compute) need
 * the total across every group of the same period, which a GROUP BY alone cannot
 * give. This wraps the metric's generic query (which must have the `totals`
 * components) in a window over each period: share = part / Σ total per period.
 * With filters, the total is that of the filtered rows.
 */
export function withPeriodShares(
	shares: Record<string, { part: string; total: string }>
): (req: MetricRequest, ctx: BuildContext) => { file: string; sql: string } {
	return (req, ctx) => {
		// Built through the context: it reads rollups, raw tables or day tables as the request is read.
		const inner = ctx.aggregate();
		const partition = req.grain === 'total' ? '' : 'PARTITION BY period';
		const totals = [...new Set(Object.values(shares).map((s) => s.total))];
		const shareCols = Object.entries(shares).map(
			([name, s]) => `${s.part} / nullIf(sum(${s.total}) OVER (${partition}), 0) AS ${name}`
		);
		const keys = [...(req.grain === 'total' ? [] : ['period']), ...req.group_by];
		const sql = `SELECT * EXCEPT (${totals.join(', ')}),\n\t${shareCols.join(',\n\t')}\nFROM (\n${inner.sql}\n)${
			keys.length ? `\nORDER BY ${keys.join(', ')}` : ''
		}`;
		return { file: inner.file, sql };
	};
}
