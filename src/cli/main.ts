import { ConfigError } from '../lib/server/config.js';
import { closeWarehouse, WarehouseLockedError, WarehouseUnavailableError, QueryTimeoutError } from '../lib/server/warehouse/index.js';
import { MigrationEditedError } from '../lib/server/warehouse/migrate.js';
import { UsageError, type Command } from './command.js';

// Loaded on demand so `loopmeter --help` and light commands don't load chDB.
const commands: Record<string, () => Promise<{ default: Command }>> = {
	serve: () => import('./commands/serve.js'),
	migrate: () => import('./commands/migrate.js'),
	demo: () => import('./commands/demo.js'),
	ingest: () => import('./commands/ingest.js'),
	metrics: () => import('./commands/metrics.js'),
	status: () => import('./commands/status.js'),
	stripe: () => import('./commands/stripe.js'),
	users: () => import('./commands/users.js'),
	annotations: () => import('./commands/annotations.js'),
	budgets: () => import('./commands/budgets.js'),
	months: () => import('./commands/months.js'),
	restatements: () => import('./commands/restatements.js'),
	digest: () => import('./commands/digest.js'),
	bench: () => import('./commands/bench.js'),
	docs: () => import('./commands/docs.js')
};

async function usage(): Promise<string> {
	const lines = await Promise.all(
		Object.entries(commands).map(async ([name, load]) => {
			const cmd = await load().then((m) => m.default).catch(() => undefined);
			return cmd ? `  ${name.padEnd(9)} ${cmd.summary}` : undefined;
		})
	);
	return `loopmeter <command> [options]\n\nCommands:\n${lines.filter(Boolean).join('\n')}\n\nRun \`loopmeter <command> --help\` for a command's options.`;
}

async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (!name || name === '--help' || name === '-h' || name === 'help') {
		console.log(await usage());
		return name ? 0 : 2;
	}
	const load = commands[name];
	if (!load) {
		console.error(`loopmeter: unknown command "${name}".\n\n${await usage()}`);
		return 2;
	}
	const cmd = (await load()).default;
	if (rest.includes('--help') || rest.includes('-h')) {
		console.log(cmd.help);
		return 0;
	}
	return (await cmd.run(rest)) ?? 0;
}

const KNOWN = [UsageError, ConfigError, WarehouseLockedError, WarehouseUnavailableError, QueryTimeoutError, MigrationEditedError];

try {
	process.exitCode = await main(process.argv.slice(2));
} catch (e) {
	const err = e as Error;
	if (KNOWN.some((K) => err instanceof K) || process.env.LOOPMETER_DEBUG !== '1') {
		console.error(`loopmeter: ${err.message}`);
		if (!KNOWN.some((K) => err instanceof K)) console.error('(set LOOPMETER_DEBUG=1 for the stack trace)');
	} else {
		console.error(err);
	}
	process.exitCode = err instanceof UsageError ? 2 : 1;
} finally {
	// `serve` keeps its warehouse open until the server stops; it never returns here early.
	await closeWarehouse();
}
