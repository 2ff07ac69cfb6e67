import type { MetricRequest } from '../../contracts/metrics.js';
import { buildMetricQuery, type BuildContext } from './build-query.js';
import type { MetricDefinition } from './registry.js';

/**
 * Shares of a period total (e.g. dead compute as a share of all compute) need
 * the total across every group of the same period, which a GROUP BY alone cannot
 * give. This wraps the generic query of `def` (which must have the `totals`
 * components) in a window over each period: share = part / Σ total per period.
 * With filters, the total is that of the filtered rows.
 */
export function withPeriodShares(
	def: Omit<MetricDefinition, 'build'>,
	shares: Record<string, { part: string; total: string }>
): (req: MetricRequest, ctx: BuildContext) => { file: string; sql: string } {
	return (req, ctx) => {
		// The inner query reads rollups or raw tables as the request is read
		// (forceRaw) or day tables; reading its source through ctx records which.
		const inner = buildMetricQuery(req, def as MetricDefinition, ctx.options);
		ctx.sql(inner.file.replace(/^sql\/metrics\/(.*)\.sql$/, '$1'));
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
