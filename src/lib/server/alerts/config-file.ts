import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { readConfig } from '../config.js';
import { projectRoot } from '../project-root.js';
import { alertConfig, type AlertConfig } from './rules.js';

export class AlertConfigError extends Error {}

export function alertsFilePath(): string {
	const file = readConfig().LOOPMETER_ALERTS_FILE;
	return isAbsolute(file) ? file : join(projectRoot(), file);
}

/** Parses and validates alert rules; the error names the file and the field. */
export function parseAlertConfig(text: string, file = 'alerts.json'): AlertConfig {
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch (e) {
		throw new AlertConfigError(`${file}: not valid JSON (${(e as Error).message})`);
	}
	const parsed = alertConfig.safeParse(json);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new AlertConfigError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
	}
	return parsed.data;
}

export function loadAlertConfig(path = alertsFilePath()): AlertConfig {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (e) {
		throw new AlertConfigError(`${path}: cannot read alert rules (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
	}
	return parseAlertConfig(text, path);
}

/** Validates, then replaces the file atomically (write beside it, rename over it). */
export function saveAlertConfig(config: unknown, path = alertsFilePath()): AlertConfig {
	const valid = parseAlertConfig(JSON.stringify(config), path);
	const tmp = `${path}.${process.pid}.tmp`;
	writeFileSync(tmp, `${JSON.stringify(valid, null, '\t')}\n`);
	renameSync(tmp, path);
	return valid;
}
