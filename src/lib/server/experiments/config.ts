import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../project-root.js';

/**
 * config/experiments.json: which dimension is an experiment, its control, the
 * configured split (for the sample-ratio-mismatch check) and the minimum sample
 * before the readout gives a better/worse verdict.
 */
export const experimentDimension = z.enum(['rec_arm', 'feed_mode'], { message: 'must be rec_arm or feed_mode' });
export type ExperimentDimension = z.infer<typeof experimentDimension>;

export const experiment = z
	.object({
		id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
		title: z.string().min(1).max(200),
		dimension: experimentDimension,
		control: z.string().min(1).max(200),
		/** Intended share of users per arm (any positive weights); absent when users choose (feed modes): no SRM check then. */
		split: z.record(z.string().min(1).max(200), z.number().positive('must be a positive share')).optional()
	})
	.strict();
export type Experiment = z.infer<typeof experiment>;

export const experimentConfig = z
	.object({
		/** Users each side needs before a verdict (docs/metrics.md: default 1 000). */
		min_users: z.number().int().min(1).default(1000),
		/** Days with exposure each side needs in the window before a verdict. */
		min_days: z.number().int().min(1).max(366).default(7),
		/** The readout compares the last `window_days` of the period, so an arm that started mid-period is read over days it ran. */
		window_days: z.number().int().min(1).max(366).default(28),
		confidence: z.number().gt(0.5).lt(1).default(0.95),
		/** p-value below which the split counts as mismatched (docs/metrics.md: 0.001). */
		srm_p: z.number().gt(0).lt(0.5).default(0.001),
		experiments: z.array(experiment).min(1).max(20)
	})
	.strict();
export type ExperimentConfig = z.infer<typeof experimentConfig>;
export type ExperimentConfigInput = z.input<typeof experimentConfig>;

export class ExperimentConfigError extends Error {}

export const experimentsFilePath = () => join(projectRoot(), 'config', 'experiments.json');

/** Reads and validates the file; the error names the file and the field. */
export function loadExperimentConfig(path = experimentsFilePath()): ExperimentConfig {
	let json: unknown;
	try {
		json = JSON.parse(readFileSync(path, 'utf8'));
	} catch (e) {
		throw new ExperimentConfigError(`${path}: cannot read experiment settings (${(e as Error).message})`);
	}
	const parsed = experimentConfig.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new ExperimentConfigError(`${path}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
	}
	return parsed.data;
}
