import { restatementReport } from '../../lib/server/finance-history/index.js';
import { MetricRequestError } from '../../lib/server/metrics/run.js';
import { toCsv } from '../../lib/csv.js';
import { parse, UsageError, type Command } from '../command.js';

const TABLES = ['months', 'restatements', 'corrections'] as const;

const command: Command = {
	name: 'restatements',
	summary: 'rate corrections and their effect on each month; closed months as reported vs now',
	help: `loopmeter restatements --from YYYY-MM-DD --to YYYY-MM-DD [--json | --csv [--table ${TABLES.join('|')}]]

Each correction of a gpu_fleet or gpu_price_sheets row (old → new values, when loaded)
with its effect on every month's compute spend and margin (as reported just before the
correction vs just after), and each closed month as reported at close beside its figure
now. The period widens to whole months. JSON (default) is the API's answer
(GET /api/v1/finance/restatements); --csv prints one table (default: restatements).`,
	async run(argv) {
		const { values } = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' }, table: { type: 'string' } }, false);
		if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
		const table = (values.table ?? 'restatements') as (typeof TABLES)[number];
		if (!TABLES.includes(table)) throw new UsageError(`--table: must be one of: ${TABLES.join(', ')}`);
		try {
			const report = await restatementReport({ from: values.from ?? '', to: values.to ?? '' });
			process.stdout.write(values.csv ? toCsv(report[table] as unknown as Record<string, unknown>[]) : JSON.stringify(report, null, 2) + '\n');
		} catch (e) {
			if (e instanceof MetricRequestError) throw new UsageError(e.message);
			throw e;
		}
		return 0;
	}
};
export default command;
