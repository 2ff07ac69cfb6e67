import { ingestFormat, ingestSource, type IngestReport } from '../../lib/contracts/ingest.js';
import { readConfig } from '../../lib/server/config.js';
import { readLock } from '../../lib/server/warehouse/index.js';
import { ingest, IngestFileError, IngestUsageError } from '../../../ingest/index.js';
import { formatReport, progressPrinter } from '../../../ingest/progress.js';
import { ingestViaHttp } from '../../../ingest/via-http.js';
import { ingestSettings } from '../../../ingest/settings.js';
import { parse, UsageError, type Command } from '../command.js';

const command: Command = {
	name: 'ingest',
	summary: 'load engagement, videos, users, jobs, fleet or ad revenue files (validated, idempotent, resumable)',
	help: `loopmeter ingest <source> <file|dir|->... [--format ndjson|csv|parquet] [--dry-run]
                 [--max-errors N|P%] [--quiet] [--json] [--via http://host:port]

Sources: ${ingestSource.options.join(', ')}
Formats: NDJSON (.ndjson .jsonl), CSV with a header row (.csv), Parquet (.parquet),
each optionally gzip-compressed (.gz). A directory loads every such file in name
order; "-" reads standard input (give --format unless the content is obvious).

Bad rows never stop the load: good rows land, bad ones go to the dead_letters
table with line, field and reason, and the report lists them. The exit code is
non-zero when a file cannot be read or rejections exceed --max-errors
(default 1%). Loading a file twice adds nothing; re-running a killed load
finishes it.

  --dry-run        validate and report, write nothing
  --max-errors     allowed rejections: a row count (100) or a share of rows read (1%)
  --quiet          no progress output
  --json           print the reports as JSON instead of text
  --via URL        send the files to a running Loopmeter app (POST /api/v1/ingest/<source>,
                   token from LOOPMETER_TOKEN). Automatic when the app holds the data directory.

Examples:
  loopmeter ingest engagement exports/impressions-2026-11-*.ndjson.gz
  loopmeter ingest videos videos.csv --max-errors 100
  zcat jobs.ndjson.gz | loopmeter ingest generation_jobs - --format ndjson`,
	async run(argv) {
		const { values, positionals } = parse(argv, {
			format: { type: 'string' },
			'dry-run': { type: 'boolean' },
			'max-errors': { type: 'string' },
			quiet: { type: 'boolean', short: 'q' },
			json: { type: 'boolean' },
			via: { type: 'string' }
		});
		const [sourceArg, ...paths] = positionals;
		const source = ingestSource.safeParse(sourceArg);
		if (!source.success) throw new UsageError(`give a source first: one of ${ingestSource.options.join(', ')}; see \`loopmeter ingest --help\``);
		if (!paths.length) throw new UsageError('give at least one file, directory or - (standard input)');
		const format = values.format === undefined ? undefined : ingestFormat.safeParse(values.format);
		if (format && !format.success) throw new UsageError(`--format ${values.format}: expected ndjson, csv or parquet`);
		const config = readConfig();
		const onProgress = progressPrinter(process.stderr, { quiet: values.quiet, everyMs: ingestSettings().LOOPMETER_PROGRESS_INTERVAL_MS });
		const opts = {
			source: source.data,
			paths,
			format: format?.data,
			dryRun: values['dry-run'],
			maxErrors: values['max-errors'],
			quiet: values.quiet,
			onProgress
		};
		// The app holds the embedded directory: send the work through it instead of failing.
		const via = values.via ?? (config.CLICKHOUSE_URL ? undefined : readLock(config.dataDir)?.url);
		let reports: IngestReport[];
		try {
			reports = via ? await ingestViaHttp(via, opts) : await ingest({ ...opts, via: 'cli' });
		} catch (e) {
			if (e instanceof IngestUsageError) throw new UsageError(e.message);
			if (e instanceof IngestFileError) {
				console.error(`loopmeter ingest: ${e.message}`);
				return 1;
			}
			throw e;
		}
		if (values.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
		else for (const r of reports) process.stdout.write(`${formatReport(r)}\n`);
		return reports.every((r) => r.outcome === 'succeeded') ? 0 : 1;
	}
};
export default command;
