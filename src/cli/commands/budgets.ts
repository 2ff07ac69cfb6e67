import { budget, budgetLines } from '../../lib/contracts/budgets.js';
import { BudgetError, listBudgets, setBudget } from '../../lib/server/finance/budgets.js';
import { toCsv } from '../../lib/csv.js';
import { cliActor, parse, UsageError, type Command } from '../command.js';

const HELP = `loopmeter budgets <action> [options]

Monthly budget lines (compute per cluster or company-wide, revenue for the company):
  budgets list [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json | --csv]
  budgets set --month YYYY-MM-01 --line ${budgetLines.join('|')} [--scope CLUSTER] --amount USD

A line comes from a budgets file (loopmeter ingest budgets) or is set here, on the
admin Budgets page or by POST /api/v1/budgets; the latest set of a month, line
and scope wins. A set is by cli:<your user name> and is in the audit log.`;

async function run(argv: string[]): Promise<void> {
	const [action, ...rest] = argv;
	const { values } = parse(rest, {
		month: { type: 'string' },
		line: { type: 'string' },
		scope: { type: 'string' },
		amount: { type: 'string' },
		from: { type: 'string' },
		to: { type: 'string' },
		json: { type: 'boolean' },
		csv: { type: 'boolean' }
	});
	switch (action) {
		case 'list': {
			const list = await listBudgets({ from: values.from, to: values.to });
			if (values.json) return console.log(JSON.stringify(list, null, 2));
			if (values.csv) return void process.stdout.write(toCsv(list, budget.keyof().options));
			if (!list.length) return console.log('No budgets.');
			for (const b of list) {
				console.log(`${b.month}  ${b.line.padEnd(8)} ${(b.scope || '(company)').padEnd(16)} ${b.amount_usd.toFixed(2).padStart(14)} USD  ${b.set_by ? `set by ${b.set_by}` : `file ${b.ingest_run_id}`} at ${b.set_at}`);
			}
			return;
		}
		case 'set': {
			try {
				const b = await setBudget(
					{ month: values.month ?? '', line: (values.line ?? '') as (typeof budgetLines)[number], scope: values.scope ?? '', amount_usd: values.amount ?? '' },
					cliActor()
				);
				console.log(`Set ${b.month} ${b.line}${b.scope ? ` ${b.scope}` : ''} to ${b.amount_usd} USD (${b.set_by}, ${b.set_at}).`);
			} catch (e) {
				if (e instanceof BudgetError) throw new UsageError(`budgets set: --${e.message.replace(/^amount_usd/, 'amount')}`);
				throw e;
			}
			return;
		}
		default:
			throw new UsageError('actions: list, set; see `loopmeter budgets --help`');
	}
}

const command: Command = { name: 'budgets', summary: 'monthly budget lines: list them, or set one (audited)', help: HELP, run };
export default command;
