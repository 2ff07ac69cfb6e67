import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../src/lib/server/project-root.js';

/**
 * Bytes under a directory (apparent size of regular files), as `du -sb` would
 * say: links are not followed (ClickHouse links data/<db>/<table> to its
 * directory under store/, which would count every such table twice).
 */
export function directoryBytes(dir: string): number {
	if (!existsSync(dir)) return 0;
	let total = 0;
	for (const name of readdirSync(dir)) {
		const p = join(dir, name);
		const st = lstatSync(p, { throwIfNoEntry: false });
		if (!st) continue;
		total += st.isDirectory() ? directoryBytes(p) : st.size;
	}
	return total;
}

export interface PageBundle {
	route: string;
	jsFiles: number;
	jsBytes: number;
	jsGzipBytes: number;
	cssGzipBytes: number;
}

interface ManifestChunk {
	file: string;
	imports?: string[];
	css?: string[];
	isEntry?: boolean;
}

/**
 * JS a first visit of each page downloads: the client entry (start + app), the
 * root layout and the page's own node, with all their static imports, gzipped
 * file by file. Dynamic imports (lazy chunks) are not counted: they load only
 * when used. Route → node numbers come from the server manifest of the build.
 */
export function pageBundles(): PageBundle[] {
	const root = projectRoot();
	const clientDir = [join(root, '.svelte-kit', 'output', 'client'), join(root, 'build', 'client')].find((d) => existsSync(join(d, '.vite', 'manifest.json')));
	const serverManifest = [join(root, '.svelte-kit', 'output', 'server', 'manifest.js'), join(root, 'build', 'server', 'manifest.js')].find((f) => existsSync(f));
	if (!clientDir || !serverManifest) return [];
	const manifest = JSON.parse(readFileSync(join(clientDir, '.vite', 'manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
	const entries = Object.keys(manifest).filter((k) => /client-optimized\/app\.js$|runtime\/client\/entry\.js$/.test(k));
	const nodeKey = (n: number) => Object.keys(manifest).find((k) => k.endsWith(`client-optimized/nodes/${n}.js`));
	const gz = new Map<string, number>();
	const gzipOf = (file: string) => {
		if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(clientDir, file)), { level: 9 }).byteLength);
		return gz.get(file)!;
	};

	const text = readFileSync(serverManifest, 'utf8');
	// One match per route object; the tempered token stops at the next `id:` so an
	// endpoint (page: null) never borrows the following route's page.
	const routes = [...text.matchAll(/id: "([^"]+)",(?:(?!id: ")[\s\S])*?page: \{ layouts: \[([^\]]*)\], errors: \[[^\]]*\], leaf: (\d+) \}/g)];
	return routes
		.filter((r) => !r[1]!.includes('['))
		.map((r) => {
			const nodes = [...r[2]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number), Number(r[3])];
			const seen = new Set<string>();
			const css = new Set<string>();
			const visit = (key: string | undefined) => {
				if (!key || seen.has(key) || !manifest[key]) return;
				seen.add(key);
				for (const c of manifest[key]!.css ?? []) css.add(c);
				for (const i of manifest[key]!.imports ?? []) visit(i);
			};
			for (const e of entries) visit(e);
			for (const n of nodes) visit(nodeKey(n));
			const files = [...seen].map((k) => manifest[k]!.file);
			return {
				route: r[1]!.replace(/\/\([^)]*\)/g, '') || '/',
				jsFiles: files.length,
				jsBytes: files.reduce((s, f) => s + statSync(join(clientDir, f)).size, 0),
				jsGzipBytes: files.reduce((s, f) => s + gzipOf(f), 0),
				cssGzipBytes: [...css].reduce((s, f) => s + gzipOf(f), 0)
			};
		})
		.sort((a, b) => a.route.localeCompare(b.route));
}
