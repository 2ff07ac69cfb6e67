import { resolve } from 'node:path';
import { DEFAULT_SEED, generateDemoFiles, runDemo, SCALE_USERS, SCENARIO, type DemoScale } from '../../../ingest/demo/index.js';
import { parse, UsageError, type Command } from '../command.js';

const SCALES = ['small', 'medium', 'large'] as const;

function positiveInt(flag: string, v: string | undefined, max: number): number | undefined {
	if (v === undefined) return undefined;
	if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--${flag} ${v}: expected a whole number from 1 to ${max}`);
	return Number(v);
}

const command: Command = {
	name: 'demo',
	summary: 'generate the demo scenario and load it through the ingest path',
	help: `loopmeter demo [--seed N] [--days D] [--users U] [--scale small|medium|large] [--out DIR] [--files-only]

Generates ${SCENARIO.days} days of a realistic AI short-video app ending ${SCENARIO.end} (exclusive):
users on free / plus $20 / pro $200 plans (Stripe events: conversions, upgrades
with proration, downgrades, churn, a launch coupon, refunds and credit notes), a
GPU fleet that grows (rented H100s, burst capacity, an owned H200 cluster from
${SCENARIO.ownedClusterDate}, an H100 price cut on ${SCENARIO.gpuPriceCutDate}), generation jobs with retries,
failures and moderation, videos with remix chains, cameo consent and copyright
flags, and feed impressions. The "rl-watchtime" recommender rolls out from
${SCENARIO.rolloutDate}: watch time rises while satisfaction, diversity and return
rate slowly fall (the degenerate case); "relaxed" and "energized" feed modes
launch on ${SCENARIO.feedModeLaunchDate}.

The files (formats of docs/data.md) are loaded with the same ingest as
\`loopmeter ingest\`; loading the same seed again adds no rows (videos whose
cameo consent was revoked are restated in order and end in the same state).

Options:
  --seed N        random seed (default ${DEFAULT_SEED}); same seed → byte-identical files
  --days D        length of the scenario in days (default ${SCENARIO.days}); story beats scale with it
  --users U       number of accounts (default: from --scale)
  --scale S       small (${SCALE_USERS.small.toLocaleString('en-US')} users, ~0.5 M impressions, what \`serve\` loads),
                  medium (~10 M impressions) or large (≥ 100 M impressions, for \`npm run bench\`);
                  medium and large write impressions straight into the warehouse
                  with INSERT … SELECT FROM numbers() (see ingest/demo/bulk.ts)
  --out DIR       where to write the files (default <LOOPMETER_DATA>/demo-files)
  --files-only    write the files and stop (no warehouse needed)`,
	async run(argv) {
		const { values } = parse(
			argv,
			{
				seed: { type: 'string' },
				days: { type: 'string' },
				users: { type: 'string' },
				scale: { type: 'string' },
				out: { type: 'string' },
				'files-only': { type: 'boolean' }
			},
			false
		);
		const scale = (values.scale ?? 'small') as DemoScale;
		if (!SCALES.includes(scale)) throw new UsageError(`--scale ${values.scale}: expected one of ${SCALES.join(', ')}`);
		const seed = values.seed === undefined ? undefined : positiveInt('seed', values.seed, 2 ** 31);
		const days = positiveInt('days', values.days, 3650);
		if (days !== undefined && days < 14) throw new UsageError(`--days ${days}: the story needs at least 14 days`);
		const users = positiveInt('users', values.users, 10_000_000);
		const say = (m: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
		if (values['files-only']) {
			if (scale !== 'small') say(`note: the ${scale} scale's impressions are made in the warehouse by SQL; --files-only writes the file generator's own impressions (~160 per user) instead`);
			const outDir = resolve(values.out ?? 'demo-files');
			const t = Date.now();
			const { files, impressions } = await generateDemoFiles({ seed, days, users, scale, outDir, onProgress: say });
			for (const f of files) say(`wrote ${f.source.padEnd(15)} ${f.path} (${f.rows.toLocaleString('en-US')} rows)`);
			say(`${impressions.toLocaleString('en-US')} impressions in ${((Date.now() - t) / 1000).toFixed(1)} s`);
			return;
		}
		const result = await runDemo({ seed, days, users, scale, outDir: values.out ? resolve(values.out) : undefined, onProgress: say });
		// What `loopmeter serve` would otherwise do at its start: the panels' day tables.
		const { DayTablesError, refreshDayTables } = await import('../../lib/server/metrics/day-tables.js');
		// A day table that cannot be built (its line says why) leaves its panels computing live: the demo is loaded.
		await refreshDayTables({ log: say }).catch((e: unknown) => {
			if (!(e instanceof DayTablesError)) throw e;
		});
		say(`demo loaded: ${result.impressions.toLocaleString('en-US')} impressions in ${result.seconds.toFixed(1)} s. Try: loopmeter metrics watch_hours --from ${SCENARIO.start} --to ${SCENARIO.end} --grain month --by rec_arm`);
	}
};
export default command;
