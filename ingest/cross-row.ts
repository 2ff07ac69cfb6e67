import { query } from '../src/lib/server/warehouse/index.js';
import type { Rejection } from './fields.js';

/**
 * Rules that involve more than one row: gpu_fleet intervals of one cluster +
 * GPU type must not overlap (an error), and a job should run where the fleet
 * has capacity (a warning: the job still counts, the gap is reported).
 */

interface Interval {
	cluster: string;
	gpu_type: string;
	/** 'YYYY-MM-DD HH:MM:SS.mmm' UTC: string order is time order. */
	valid_from: string;
	valid_to: string | null;
	gpu_count: number;
}

const groupKey = (i: { cluster: string; gpu_type: string }) => `${i.cluster}\u0000${i.gpu_type}`;

async function loadedFleet(): Promise<Interval[]> {
	return query<Interval>(
		`SELECT toString(cluster) AS cluster, toString(gpu_type) AS gpu_type,
			formatDateTime(valid_from, '%Y-%m-%d %H:%i:%S.%f') AS valid_from,
			if(valid_to IS NULL, NULL, formatDateTime(assumeNotNull(valid_to), '%Y-%m-%d %H:%i:%S.%f')) AS valid_to,
			toUInt32(gpu_count) AS gpu_count
		 FROM gpu_fleet FINAL`,
		{ tag: 'ingest.fleet.intervals' }
	);
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff' (formatDateTime %f is microseconds) → milliseconds form used by the validator. */
const ms = (s: string) => s.slice(0, 23);

/**
 * Which rows of a fleet file overlap another interval of the same cluster + GPU
 * type (in the file or already loaded). A file row replaces a loaded row with
 * the same valid_from (a correction), so those are not compared.
 * Returns rejections by row index.
 */
export async function fleetOverlaps(rows: readonly Interval[], lines: readonly number[]): Promise<Map<number, Rejection>> {
	const fromFile = new Set(rows.map((r) => `${groupKey(r)}\u0000${r.valid_from}`));
	const loaded = (await loadedFleet())
		.map((r) => ({ ...r, valid_from: ms(r.valid_from), valid_to: r.valid_to === null ? null : ms(r.valid_to) }))
		.filter((r) => !fromFile.has(`${groupKey(r)}\u0000${r.valid_from}`));
	type Item = Interval & { index: number };
	const groups = new Map<string, Item[]>();
	for (const r of loaded) groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), { ...r, index: -1 }]);
	rows.forEach((r, index) => groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), { ...r, index }]));
	const rejected = new Map<number, Rejection>();
	for (const items of groups.values()) {
		items.sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : a.index - b.index));
		// Compare each interval with the latest-ending accepted one before it.
		let open: Item | undefined;
		for (const it of items) {
			if (open && (open.valid_to === null || open.valid_to > it.valid_from)) {
				// Reject the file row; if the earlier one is from the file and the later one was loaded, reject the earlier.
				const victim = it.index >= 0 ? it : open;
				const other = victim === it ? open : it;
				if (victim.index >= 0) {
					const where = other.index >= 0 ? `line ${lines[other.index]}` : 'already loaded';
					const rule = 'overlaps another interval of the same cluster and gpu_type';
					rejected.set(victim.index, {
						field: 'valid_from',
						rule,
						message: `${rule}: ${other.cluster}/${other.gpu_type} ${other.valid_from} → ${other.valid_to ?? 'open-ended'} (${where})`
					});
				}
				if (victim === open) open = it;
				continue;
			}
			open = it;
		}
	}
	return rejected;
}

/** Epoch milliseconds of a validated time, 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
const epochMs = (utc: string) => Date.parse(`${utc.slice(0, 10)}T${utc.slice(11)}Z`);

/**
 * Checks a job's cluster + GPU type had provisioned GPUs when it started.
 * Times are compared as instants (epoch ms), so the check does not depend on
 * how either side happens to be written.
 */
export async function fleetCapacity(): Promise<(job: { cluster: string; gpu_type: string; started_at: string }) => string | undefined> {
	const groups = new Map<string, { gpu_count: number; from: number; to: number }[]>();
	for (const r of await loadedFleet()) {
		const i = { gpu_count: r.gpu_count, from: epochMs(ms(r.valid_from)), to: r.valid_to === null ? Number.POSITIVE_INFINITY : epochMs(ms(r.valid_to)) };
		groups.set(groupKey(r), [...(groups.get(groupKey(r)) ?? []), i]);
	}
	return (job) => {
		const started = epochMs(job.started_at);
		const ok = groups.get(groupKey(job))?.some((i) => i.gpu_count > 0 && i.from <= started && started < i.to);
		return ok ? undefined : 'cluster: no gpu_fleet capacity for this cluster and gpu_type at started_at';
	};
}
