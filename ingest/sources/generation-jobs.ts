import { z } from 'zod';
import { float, int, oneOf, text, timestamp } from '../fields.js';
import { fleetCapacity } from '../cross-row.js';
import { check, defineSource, type RuleIssue } from './spec.js';

/** One row per GPU job. Retries are separate jobs of the same request. */
export const generationJobRow = z.object({
	job_id: text(),
	request_id: text(),
	user_id: text({ default: '' }),
	purpose: oneOf(['user', 'feed_prefill', 'internal', 'eval']),
	model: text(),
	resolution: text(),
	output_seconds: float({ min: 0 }),
	cluster: text(),
	gpu_type: text(),
	gpu_count: int({ above: 0, max: 65_535 }),
	started_at: timestamp(),
	ended_at: timestamp(),
	status: oneOf(['succeeded', 'failed', 'cancelled', 'moderated']),
	video_id: text({ default: '' })
});
export type GenerationJobRow = z.infer<typeof generationJobRow>;

export default defineSource({
	source: 'generation_jobs',
	table: 'generation_jobs',
	describes: 'One row per GPU job (a user\'s generation, feed pre-generation, internal or eval work). A retry is a separate job of the same request.',
	columns: generationJobRow,
	rules: (j) => {
		const issues: RuleIssue[] = [];
		// Both are 'YYYY-MM-DD HH:MM:SS.mmm' UTC, so string order is time order.
		check(issues, j.ended_at >= j.started_at, 'ended_at', 'must be ≥ started_at', `(${j.started_at}), got ${j.ended_at}`);
		return issues;
	},
	ruleNotes: [
		'ended_at must be ≥ started_at.',
		'A job that ran on a cluster and GPU type with no provisioned capacity at that time (gpu_fleet) still loads, with a warning in the report.'
	],
	key: ['job_id'],
	keep: 'first',
	dayColumn: 'started_at',
	hooks: {
		rowWarnings: async () => {
			const capacity = await fleetCapacity();
			return (row) => capacity(row as GenerationJobRow);
		}
	}
});
