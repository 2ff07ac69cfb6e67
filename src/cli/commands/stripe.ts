import { readConfig } from '../../lib/server/config.js';
import { query } from '../../lib/server/warehouse/index.js';
import { backfill, type BackfillProgress } from '../../../ingest/stripe/backfill.js';
import { redactSecrets, stripeClient, StripeSetupError } from '../../../ingest/stripe/client.js';
import { listCursors } from '../../../ingest/stripe/cursors.js';
import { syncEvents } from '../../../ingest/stripe/sync.js';
import { parse, UsageError, type Command } from '../command.js';

const command: Command = {
	name: 'stripe',
	summary: 'backfill from the Stripe API, sync new events, show Stripe sync status',
	help: `loopmeter stripe backfill [--restart] [--page-size N] [--quiet]
loopmeter stripe sync [--quiet]
loopmeter stripe status

backfill  Reads customers, products, prices, subscriptions (all statuses),
          invoices with every line, credit notes, charges and refunds from the
          Stripe API, page by page, and stores raw and typed rows. Resumable: a
          rerun continues after the last stored page; --restart reads everything
          again (harmless: newer states win, nothing is counted twice).
sync      Applies the events created since the last sync (GET /v1/events),
          saving the cursor after every page. Safe to run on a schedule.
status    Cursors, row counts, the last webhook deliveries and dead letters.

Needs STRIPE_SECRET_KEY (a restricted read-only key is enough); STRIPE_API_BASE
points at another API host (e.g. stripe-mock). The webhook endpoint is
POST /api/v1/stripe/webhook with STRIPE_WEBHOOK_SECRET; offline event files load
with \`loopmeter ingest stripe_events <file.ndjson>\`. Non-USD objects are refused
(dead letters) rather than summed.`,
	async run(argv) {
		const { values, positionals } = parse(argv, {
			restart: { type: 'boolean' },
			'page-size': { type: 'string' },
			quiet: { type: 'boolean', short: 'q' }
		});
		const [sub, ...extra] = positionals;
		if (extra.length) throw new UsageError(`unexpected argument ${extra[0]}; see \`loopmeter stripe --help\``);
		const config = readConfig();
		const pageSize = values['page-size'] === undefined ? 100 : Number(values['page-size']);
		if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) throw new UsageError('--page-size must be a whole number from 1 to 100 (Stripe\'s list limit)');
		const say = (line: string) => {
			if (!values.quiet) process.stderr.write(`${line}\n`);
		};
		try {
			if (sub === 'backfill') {
				const stripe = stripeClient(config);
				const result = await backfill(stripe, { restart: values.restart, pageSize, onProgress: (p) => say(progressLine(p)) });
				for (const r of result.rejected.slice(0, 10)) console.log(`rejected ${r.eventId ?? ''}: ${r.reason}`);
				const stored = result.resources.reduce((s, r) => s + r.stored, 0);
				console.log(`Backfill finished: ${stored} object(s) stored, ${result.rejected.length} rejected (see dead_letters). Next: \`loopmeter stripe sync\` applies events since ${result.eventsCursor ?? 'now'}.`);
				return result.rejected.length ? 1 : 0;
			}
			if (sub === 'sync') {
				const stripe = stripeClient(config);
				const r = await syncEvents(stripe, { onProgress: (p) => say(`events: ${p.applied} applied, ${p.duplicate} already applied, ${p.ignored} ignored, ${p.rejected.length} rejected`) });
				for (const x of r.rejected.slice(0, 10)) console.log(`rejected ${x.eventId ?? ''}: ${x.reason}`);
				console.log(`Sync finished: ${r.applied} event(s) applied, ${r.duplicate} already applied, ${r.ignored} ignored, ${r.rejected.length} rejected; cursor ${r.cursor ?? '(none: no events)'}.`);
				return r.rejected.length ? 1 : 0;
			}
			if (sub === 'status') {
				await printStatus();
				return 0;
			}
		} catch (e) {
			if (e instanceof StripeSetupError) throw new UsageError(e.message);
			if (isStripeError(e)) {
				console.error(`loopmeter stripe ${sub}: Stripe API error: ${redactSecrets((e as Error).message, config)}`);
				return 1;
			}
			if (e instanceof Error) e.message = redactSecrets(e.message, config);
			throw e;
		}
		throw new UsageError('give a subcommand: backfill, sync or status; see `loopmeter stripe --help`');
	}
};
export default command;

function progressLine(p: BackfillProgress): string {
	return `${p.resource}: ${p.stored} stored${p.rejected ? `, ${p.rejected} rejected` : ''}${p.done ? ' (done)' : ''}`;
}

function isStripeError(e: unknown): boolean {
	const type = (e as { type?: unknown })?.type;
	return typeof type === 'string' && type.startsWith('Stripe');
}

async function printStatus(): Promise<void> {
	const cursors = await listCursors();
	console.log('Cursors:');
	for (const c of cursors) console.log(`  ${c.name.padEnd(24)} ${c.current}  (${c.last_update} UTC)`);
	if (!cursors.length) console.log('  none yet: run `loopmeter stripe backfill` or load an event file');
	const tables: [string, string][] = [
		['customers', 'stripe_customers FINAL'],
		['subscriptions', 'stripe_subscriptions FINAL'],
		['invoices', 'stripe_invoices FINAL'],
		['credit notes', 'stripe_credit_notes FINAL'],
		['refunds', 'stripe_refunds FINAL'],
		['events applied', 'stripe_events FINAL'],
		["dead letters", "dead_letters FINAL WHERE source = 'stripe_events'"]
	];
	// Table names are the constants above, never input.
	const counts = await query<{ k: number; t: string; n: string }>(
		`SELECT * FROM (${tables.map(([label, from], k) => `SELECT ${k} AS k, '${label}' AS t, toString(count()) AS n FROM ${from}`).join(' UNION ALL ')}) ORDER BY k`,
		{ tag: 'stripe:status' }
	);
	console.log('Rows:');
	for (const c of counts) console.log(`  ${c.t.padEnd(24)} ${c.n}`);
	const attempts = await query<{ received_at: string; event_id: string; status_code: number; outcome: string; message: string }>(
		'SELECT received_at, event_id, status_code, outcome, message FROM stripe_webhook_attempts ORDER BY received_at DESC LIMIT 5',
		{ tag: 'stripe:status' }
	);
	console.log('Last webhook deliveries:');
	for (const a of attempts) console.log(`  ${a.received_at}  ${a.status_code} ${a.outcome.padEnd(16)} ${a.event_id} ${a.message}`);
	if (!attempts.length) console.log('  none');
}
