import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestFromSearchParams } from '../../src/lib/contracts/metrics.js';
import { runMetric } from '../../src/lib/server/metrics/run.js';
import { ingestStripeEventsFile } from '../../ingest/stripe/events-file.js';
import { closeWarehouse } from '../../src/lib/server/warehouse/index.js';
import { mrrCaseEvents } from '../fixtures/stripe/mrr-cases.js';
import { describeMrrCases } from '../helpers/mrr-cases-suite.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

// Issue 23's MRR cases, loaded in the order they happened as an event file
// (`loopmeter ingest stripe_events`). The figures: tests/helpers/mrr-cases-suite.ts.
const { dataDir, open } = useTempWarehouse('loopmeter-stripe-mrr-cases-');

beforeAll(async () => {
	await open();
	const file = join(dataDir, 'cases.ndjson');
	const events = mrrCaseEvents();
	writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
	const report = await ingestStripeEventsFile(file, {});
	expect(report.rows_rejected).toBe(0);
});

describeMrrCases('event file, in order', { exactness: true });

describe('the API query string and the CLI options reach the same policies', () => {
	it('?mrr_churn=request&by=movement as the API parses it', async () => {
		const input = requestFromSearchParams('mrr_movements', new URLSearchParams('from=2026-11-03&to=2026-11-04&grain=total&by=movement&mrr_churn=request'));
		const { response } = await runMetric(input);
		// Nov 3: only cus_cpe's cancellation request, as churn.
		expect(response.rows.filter((r) => r.value !== 0).map((r) => [r.movement, r.value])).toEqual([['churn', -20]]);
	});

	it('`loopmeter metrics mrr_movements --by movement --mrr-churn request` prints the same, and refuses a bad choice', async () => {
		// chDB allows one process per data directory: hand it to the CLI.
		await closeWarehouse();
		const run = promisify(execFile);
		const env = { ...process.env, LOOPMETER_DATA: dataDir };
		const args = ['bin/loopmeter.js', 'metrics', 'mrr_movements', '--from', '2026-11-03', '--to', '2026-11-04', '--grain', 'total', '--by', 'movement', '--json'];
		const out = JSON.parse((await run('node', [...args, '--mrr-churn', 'request'], { env, timeout: 120_000 })).stdout);
		expect(out.rows.filter((r: { value: number }) => r.value !== 0).map((r: { movement: string; value: number }) => [r.movement, r.value])).toEqual([['churn', -20]]);
		const bad = await run('node', [...args, '--mrr-source', 'ledger'], { env, timeout: 120_000 }).catch((e) => e);
		expect(String(bad.stderr)).toContain('mrr_source must be one of: subscriptions, invoices');
		await open();
	}, 300_000);
});
