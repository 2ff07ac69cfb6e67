import { changeMonthClose, listMonthCloses, MonthCloseError } from '../../lib/server/finance-history/index.js';
import { cliActor, parse, UsageError, type Command } from '../command.js';

const HELP = `loopmeter months <action> [options]

Closed months keep what was reported at close (figures as of the moment of closing);
a later rate correction shows beside them as a restatement (loopmeter restatements).
  months list [--json]
  months close <YYYY-MM> [--note TEXT]
  months reopen <YYYY-MM> [--note TEXT]

Closing and reopening are admin actions: whoever can open the warehouse from this
machine is its administrator. The actor is cli:<your user name>, in the audit log.`;

const command: Command = {
	name: 'months',
	summary: 'close or reopen a month (what was reported is kept; corrections show as restatements)',
	help: HELP,
	async run(argv) {
		const [action, ...rest] = argv;
		const { values, positionals } = parse(rest, { note: { type: 'string' }, json: { type: 'boolean' } });
		if (action === 'list') {
			const months = await listMonthCloses();
			if (values.json) process.stdout.write(JSON.stringify({ months }, null, 2) + '\n');
			else for (const m of months) console.log(`${m.month.slice(0, 7)}  ${m.closed ? 'closed' : 'reopened'}  as of ${m.as_of}  by ${m.actor}${m.note ? `  (${m.note})` : ''}`);
			return 0;
		}
		if (action !== 'close' && action !== 'reopen') throw new UsageError(`unknown action "${action ?? ''}"; see \`loopmeter months --help\``);
		if (positionals.length !== 1) throw new UsageError(`months ${action}: give exactly one month, e.g. 2026-10`);
		try {
			const m = await changeMonthClose({ month: positionals[0]!, action, note: values.note }, cliActor());
			console.log(`${m.month.slice(0, 7)} ${m.closed ? 'closed' : 'reopened'}; reported figures are as of ${m.as_of}`);
		} catch (e) {
			if (e instanceof MonthCloseError) throw new UsageError(e.message);
			throw e;
		}
		return 0;
	}
};
export default command;
