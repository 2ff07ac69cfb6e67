import type { FleetRow } from './fleet.js';
import type { Random } from './random.js';

export type Purpose = 'user' | 'feed_prefill' | 'internal' | 'eval';
export type JobStatus = 'succeeded' | 'failed' | 'cancelled' | 'moderated';

export interface ModelSpec {
	model: string;
	resolution: string;
	gpus: number;
	/** GPU wall-clock seconds per second of output video on an H100. */
	secondsPerOutputSecond: number;
}

export const MODELS = {
	free: { model: 'video-gen-2', resolution: '720p', gpus: 4, secondsPerOutputSecond: 30 },
	plus: { model: 'video-gen-2', resolution: '1080p', gpus: 8, secondsPerOutputSecond: 30 },
	pro: { model: 'video-gen-2-pro', resolution: '1080p', gpus: 8, secondsPerOutputSecond: 45 },
	prefill: { model: 'video-gen-2', resolution: '720p', gpus: 4, secondsPerOutputSecond: 30 },
	prefillHd: { model: 'video-gen-2', resolution: '1080p', gpus: 8, secondsPerOutputSecond: 30 },
	eval: { model: 'video-gen-2-pro', resolution: '1080p', gpus: 8, secondsPerOutputSecond: 45 },
	internal: { model: 'video-gen-3-preview', resolution: '1080p', gpus: 8, secondsPerOutputSecond: 60 }
} as const satisfies Record<string, ModelSpec>;

/** H200s run the same model faster. */
const SPEED: Record<string, number> = { H100: 1, H200: 0.72 };

export interface JobRow {
	job_id: string;
	request_id: string;
	user_id: string;
	purpose: Purpose;
	model: string;
	resolution: string;
	output_seconds: number;
	cluster: string;
	gpu_type: string;
	gpu_count: number;
	startedMs: number;
	endedMs: number;
	status: JobStatus;
	video_id: string;
}

export interface RequestOutcome {
	jobs: JobRow[];
	gpuHours: number;
	/** The succeeded job, if any. */
	success?: JobRow;
}

export interface OutcomeRates {
	moderated: number;
	cancelled: number;
	failed: number;
}

export const USER_RATES: OutcomeRates = { moderated: 0.035, cancelled: 0.025, failed: 0.07 };
export const SYSTEM_RATES: OutcomeRates = { moderated: 0.01, cancelled: 0, failed: 0.045 };

/**
 * One generation request: attempts until one succeeds, is moderated or
 * cancelled, or three have failed (each failed attempt is a retry with the
 * same request_id). Every attempt burned GPU time.
 */
export function runRequest(
	rng: Random,
	args: { requestId: string; nextJobId: () => string; userId: string; purpose: Purpose; spec: ModelSpec; startMs: number; outputSeconds: number; cluster: FleetRow; rates: OutcomeRates }
): RequestOutcome {
	const jobs: JobRow[] = [];
	let t = args.startMs;
	let gpuHours = 0;
	for (let attempt = 0; attempt < 3; attempt++) {
		const full = args.outputSeconds * args.spec.secondsPerOutputSecond * (SPEED[args.cluster.gpu_type] ?? 1) * rng.logNormal(1, 0.22) + 6;
		const r = rng.next();
		const { moderated, cancelled, failed } = args.rates;
		const status: JobStatus = r < moderated ? 'moderated' : r < moderated + cancelled ? 'cancelled' : r < moderated + cancelled + failed ? 'failed' : 'succeeded';
		const seconds = status === 'succeeded' ? full : status === 'moderated' ? full * 0.35 : full * (0.2 + 0.6 * rng.next());
		const endedMs = t + Math.round(seconds * 1000);
		const job: JobRow = {
			job_id: args.nextJobId(),
			request_id: args.requestId,
			user_id: args.userId,
			purpose: args.purpose,
			model: args.spec.model,
			resolution: args.spec.resolution,
			output_seconds: status === 'succeeded' ? args.outputSeconds : 0,
			cluster: args.cluster.cluster,
			gpu_type: args.cluster.gpu_type,
			gpu_count: args.spec.gpus,
			startedMs: t,
			endedMs,
			status,
			video_id: ''
		};
		jobs.push(job);
		gpuHours += (args.spec.gpus * (endedMs - t)) / 3_600_000;
		if (status !== 'failed') return { jobs, gpuHours, success: status === 'succeeded' ? job : undefined };
		t = endedMs + rng.int(5_000, 40_000);
	}
	return { jobs, gpuHours };
}
