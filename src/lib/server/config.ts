import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Process configuration, read once from the environment and validated here so a
 * typo fails at start-up with a sentence, not later with a stack trace.
 */
const envSchema = z
	.object({
		LOOPMETER_DATA: z.string().min(1).default('./data'),
		CLICKHOUSE_URL: z.url({ message: 'CLICKHOUSE_URL must be a URL such as http://localhost:8123' }).optional(),
		CLICKHOUSE_USER: z.string().default('default'),
		CLICKHOUSE_PASSWORD: z.string().default(''),
		CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'CLICKHOUSE_DATABASE must be a plain identifier').default('loopmeter'),
		CLICKHOUSE_CLUSTER: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'CLICKHOUSE_CLUSTER must be a cluster name from remote_servers').optional(),
		LOOPMETER_QUERY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
		// Largest request body the server accepts (file uploads to the ingest endpoint stream through it).
		LOOPMETER_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
		PORT: z.coerce.number().int().min(0).max(65535).default(3000),
		HOST: z.string().default('127.0.0.1')
	})
	.refine((env) => !env.CLICKHOUSE_CLUSTER || env.CLICKHOUSE_URL, {
		message: 'CLICKHOUSE_CLUSTER needs CLICKHOUSE_URL: a cluster is always reached through a server',
		path: ['CLICKHOUSE_CLUSTER']
	});

export type Config = z.infer<typeof envSchema> & { dataDir: string };

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
	// Empty strings mean "unset" for every variable: shells and .env files produce them.
	const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
	const parsed = envSchema.safeParse(cleaned);
	if (!parsed.success) {
		const issue = parsed.error.issues[0]!;
		throw new ConfigError(`Configuration error in ${issue.path.join('.') || 'environment'}: ${issue.message}`);
	}
	return { ...parsed.data, dataDir: resolve(parsed.data.LOOPMETER_DATA) };
}
