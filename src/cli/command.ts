import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** An error whose message is the whole story for the person at the terminal. */
export class UsageError extends Error {}

export interface Command {
	name: string;
	summary: string;
	/** Full `--help` text. */
	help: string;
	run(argv: string[]): Promise<number | void>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with `--help` handled and unknown flags reported as usage errors. */
export function parse<O extends Options>(argv: string[], options: O, allowPositionals = true) {
	try {
		return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
	} catch (e) {
		throw new UsageError((e as Error).message);
	}
}

/** Who a CLI write is by, in the audit log: cli:<the user at the terminal>, or cli where the system cannot say. */
export function cliActor(): string {
	try {
		return `cli:${userInfo().username}`;
	} catch {
		return 'cli';
	}
}
