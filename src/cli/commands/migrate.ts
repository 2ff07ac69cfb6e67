import { getWarehouse } from '../../lib/server/warehouse/index.js';
import { migrate } from '../../lib/server/warehouse/migrate.js';
import { parse, type Command } from '../command.js';

const command: Command = {
	name: 'migrate',
	summary: 'apply pending schema migrations from sql/migrations',
	help: `loopmeter migrate

Applies the numbered files in sql/migrations that the warehouse has not seen yet,
in order, and records each with its checksum. Refuses to run when an applied file
was edited. Safe to run any number of times.

Uses the embedded warehouse in $LOOPMETER_DATA (default ./data), or the server
in $CLICKHOUSE_URL (with ON CLUSTER DDL when $CLICKHOUSE_CLUSTER is set).`,
	async run(argv) {
		parse(argv, {}, false);
		const wh = await getWarehouse({ role: 'loopmeter migrate', migrate: false });
		const result = await migrate(wh);
		console.log(
			result.applied.length
				? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')}. Schema is at version ${result.current}.`
				: `Nothing to apply; schema is at version ${result.current}.`
		);
	}
};
export default command;
