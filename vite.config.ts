import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	server: { fs: { allow: ['sql', 'ingest'] } },
	ssr: { external: ['chdb'] },
	// Rolldown's plugin-timing report is noise in `npm start`'s output: the build is SvelteKit's own.
	build: { rolldownOptions: { checks: { pluginTimings: false } } },
	test: {
		// chDB binds one data directory per process: every test file gets its own process.
		pool: 'forks',
		// Two cores: more workers only make the embedded warehouses fight for them.
		maxWorkers: 2,
		projects: [
			{ extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
			{
				extends: true,
				test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 240_000 }
			},
			{
				extends: true,
				test: { name: 'browser', include: ['tests/browser/**/*.test.ts'], globalSetup: ['tests/browser/global-setup.ts'], testTimeout: 300_000, hookTimeout: 600_000, fileParallelism: false }
			}
		]
	}
});
