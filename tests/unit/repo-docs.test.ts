import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';


const trackedFiles = () => execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' }).split('\0').filter(Boolean);
const docFiles = () => ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Markdown link targets, outside code spans and fenced blocks. */
function linkTargets(markdown: string): string[] {
	const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
	return [...prose.matchAll(/\]\(([^)\s]+)\)/g), ...prose.matchAll(/<(https?:[^>]+)>/g)].map((m) => m[1]!);
}

/** Heading anchors as GitHub makes them, plus explicit `<a id>`s. */
function anchorsOf(markdown: string): Set<string> {
	const headings = [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
		m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
	);
	const ids = [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!);
	return new Set([...headings, ...ids]);
}

describe('README and docs/', () => {
	it('README is a front door of under 150 lines', () => {
		expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThan(150);
	});

	it('no tracked file outside the applied migrations refers to ../shared, which a clone does not have', () => {
		const offenders = trackedFiles().filter(
			(f) => !f.startsWith('sql/migrations/') && f !== 'tests/unit/repo-docs.test.ts' && existsSync(f) && readFileSync(f, 'utf8').includes('../shared')
		);
		expect(offenders).toEqual([]);
	});

	for (const file of docFiles()) {
		it(`${file}: every link stays in the repository and resolves`, () => {
			const broken: string[] = [];
			for (const target of linkTargets(readFileSync(file, 'utf8'))) {
				if (/^[a-z]+:/i.test(target)) {
					broken.push(`${target} leaves the repository`);
					continue;
				}
				const [path, anchor] = target.split('#') as [string, string | undefined];
				const resolved = path ? normalize(join(dirname(file), path)) : file;
				if (!existsSync(resolved)) broken.push(`${target}: no ${resolved}`);
				else if (anchor && resolved.endsWith('.md') && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
			}
			expect(broken).toEqual([]);
		});
	}

});
