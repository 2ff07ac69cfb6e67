import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
	date: string;
	cpus: number;
	cpuModel: string;
	ramBytes: number;
	node: string;
	commit: string;
	/** 1-minute load average when the phase ended: other work on the machine skews every figure. */
	loadAvg1?: number;
}

/** The machine a figure was measured on: figures are only comparable on the same one. */
export function machine(): Machine {
	let commit = 'unknown';
	try {
		commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
	} catch {
		// Not a git checkout (e.g. an unpacked release): the commit is simply unknown.
	}
	return {
		date: new Date().toISOString(),
		cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		ramBytes: totalmem(),
		node: process.version,
		commit,
		loadAvg1: loadavg()[0]
	};
}
