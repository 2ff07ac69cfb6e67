import { describe, expect, it } from 'vitest';
import { hasMetricSql, includes, includedFiles, metricSql, readsRollup } from './sql-files.js';

// The include mechanism on the project's own files: what a swapped include and
// a from_first_start include expand to, so one relation is written once.
describe('sql/metrics includes', () => {
	it('{{name(inner=other)}} reads other.sql where name.sql includes inner.sql, and nothing else changes', () => {
		const everyHistory = metricSql('slop_first_creator_impressions');
		const keptState = metricSql('day_state_first_creator_ids');
		const file = metricSql('slop_novelty_daily');
		expect(file).toContain(everyHistory);
		const built = metricSql('day_build_slop_novelty_daily');
		expect(built.endsWith(file.replace(everyHistory, keptState))).toBe(true);
		expect(built).not.toContain('argMin(h.impression_id');
	});

	it('the swap reaches only the include it names: the plain file still reads all history', () => {
		metricSql('day_build_slop_novelty_daily');
		expect(metricSql('slop_novelty_daily')).toContain('argMin(h.impression_id');
		expect(metricSql('slop_novelty_daily')).not.toContain('day_state_first_creator');
	});

	it('an include names the file it includes and the one it swaps in', () => {
		const [m] = includes('SELECT * FROM ({{a(b=c/d)}})');
		expect(includedFiles(m!)).toEqual(['a', 'c/d']);
		const [plain] = includes('SELECT * FROM ({{rollup:a}}) -- {{not_read}}');
		expect(includedFiles(plain!)).toEqual(['a']);
		expect(includes('-- {{only_a_comment}}')).toEqual([]);
	});

	it('{{from_first_start:name}} widens the period start of the included relation only', () => {
		const perJob = metricSql('job_cost_by_job');
		const output = metricSql('job_output_cost');
		expect(perJob).toContain('WHERE day >= {from:Date}');
		expect(output).not.toContain('WHERE day >= {from:Date}');
		expect(output).toContain('WHERE day >= least({from:Date}, ifNull((SELECT toDate(minOrNull(started_at)) FROM generation_jobs');
		// The ended-in-period join keeps the plain period.
		expect(output).toContain("WHERE ended_at >= toDateTime64({from:Date}, 3, 'UTC') AND ended_at < toDateTime64({to:Date}, 3, 'UTC')\n\tGROUP BY job_id\n) AS g");
	});

	it('a build form reads rollups exactly when its file does; a name without a file has none', () => {
		expect(readsRollup('day_build_slop_novelty_daily')).toBe(readsRollup('slop_novelty_daily'));
		expect(hasMetricSql('job_cost_by_job')).toBe(true);
		expect(hasMetricSql('day_build_job_cost')).toBe(false);
		expect(readsRollup('no_such_file')).toBe(false);
	});
});
