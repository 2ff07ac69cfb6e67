import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { ingestStripeEventsFile } from '../../src/lib/server/stripe/events-file.js';
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
