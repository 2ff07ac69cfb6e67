import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: { runes: true },
	kit: {
		adapter: adapter({ out: 'build' }),
		// Routes reach ingest/ (everything that writes data; it sits above src/lib/server) by name, not by ../../../../.
		alias: { $ingest: 'ingest' },
		// The origin check stays on: it is SvelteKit's CSRF protection for form posts.
		csrf: { trustedOrigins: [] },
		// Nonces for SvelteKit's inline bootstrap; everything else from our own origin.
		// Inline style attributes stay allowed: Svelte renders `style=` for chart
		// sizes and bars, and ECharts draws on canvas (no eval, no inline script).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				'base-uri': ['none'],
				'form-action': ['self'],
				'frame-ancestors': ['none']
			}
		}
	}
};

export default config;
