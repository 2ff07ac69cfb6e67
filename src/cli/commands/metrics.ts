import { metricIds, type MetricRequestInput } from '../../lib/contracts/metrics.js';
import { runMetric, MetricRequestError } from '../../lib/server/metrics/run.js';
import { toCsv } from '../../lib/csv.js';
import { parse, UsageError, type Command } from '../command.js';

const command: Command = {
	name: 'metrics',
	summary: 'compute a metric for a period (JSON or CSV), the same query the dashboard runs',
	help: `loopmeter metrics <metric> --from YYYY-MM-DD --to YYYY-MM-DD [--grain day|week|month|total]
                  [--by dim[,dim]] [--filter dim=v1,v2 ...] [--json | --csv]
                  [--mrr-source subscriptions|invoices] [--mrr-discounts forever|recurring|gross]
                  [--mrr-churn period_end|request] [--idle-policy by_use|separate|even]
                  [--cohort-by signup_week|first_paid_week]
                  [--as-of YYYY-MM-DD|YYYY-MM-DDTHH:MM:SSZ]

Periods are half-open [from, to), UTC. Prints the metric as JSON (default) or CSV;
definitions in docs/metrics.md and on the Glossary page. The --mrr-* options
choose how mrr and mrr_movements are counted (defaults: LOOPMETER_MRR_SOURCE,
LOOPMETER_MRR_DISCOUNTS, LOOPMETER_MRR_CHURN). Example:
  loopmeter metrics compute_spend --from 2026-10-01 --to 2026-11-01 --grain week --by cluster
  loopmeter metrics margin_per_gpu_hour --from 2026-10-01 --to 2026-11-01 --grain total --by plan --idle-policy separate

--idle-policy: who carries idle GPU capacity in per-plan figures (default: LOOPMETER_IDLE_POLICY, else by_use).
--cohort-by: what a cohort of the retention_* metrics is: the signup week (default) or the
  week of the user's first paid Stripe invoice, e.g.
  loopmeter metrics retention_revenue --from 2026-06-01 --to 2026-12-01 --cohort-by first_paid_week
--as-of: the figures as reported then: fleet and price-sheet rows as loaded by that time (a bare date: its end, UTC).

Metrics: ${metricIds.join(', ')}`,
	async run(argv) {
		const { values, positionals } = parse(argv, {
			from: { type: 'string' },
			to: { type: 'string' },
			grain: { type: 'string' },
			by: { type: 'string' },
			filter: { type: 'string', multiple: true },
			'idle-policy': { type: 'string' },
			'cohort-by': { type: 'string' },
			'as-of': { type: 'string' },
			json: { type: 'boolean' },
			csv: { type: 'boolean' },
			'mrr-source': { type: 'string' },
			'mrr-discounts': { type: 'string' },
			'mrr-churn': { type: 'string' }
		});
		const [metric, ...extra] = positionals;
		if (!metric || extra.length) throw new UsageError('give exactly one metric id; see `loopmeter metrics --help`');
		if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
		const filters: Record<string, string[]> = {};
		for (const f of values.filter ?? []) {
			const m = /^([a-z_]+)=(.+)$/.exec(f);
			if (!m) throw new UsageError(`--filter ${f}: expected dimension=value[,value]`);
			filters[m[1]!] = m[2]!.split(',');
		}
		const input = {
			metric,
			from: values.from ?? '',
			to: values.to ?? '',
			grain: values.grain,
			group_by: values.by ? values.by.split(',') : undefined,
			filters,
			mrr: mrrPolicyOf(values),
			idle_policy: values['idle-policy'],
			cohort_by: values['cohort-by'],
			as_of: values['as-of']
		} as MetricRequestInput;
		try {
			const { response } = await runMetric(input);
			process.stdout.write(values.csv ? toCsv(response.rows) : JSON.stringify(response, null, 2) + '\n');
		} catch (e) {
			if (e instanceof MetricRequestError) throw new UsageError(e.message);
			throw e;
		}
	}
};
/** The --mrr-* options given (validated with the request: a bad value names its option). */
function mrrPolicyOf(values: { 'mrr-source'?: string; 'mrr-discounts'?: string; 'mrr-churn'?: string }): Record<string, string> | undefined {
	const policy = Object.fromEntries(
		Object.entries({ source: values['mrr-source'], discounts: values['mrr-discounts'], churn: values['mrr-churn'] }).filter(([, v]) => v !== undefined)
	) as Record<string, string>;
	return Object.keys(policy).length ? policy : undefined;
}

export default command;
