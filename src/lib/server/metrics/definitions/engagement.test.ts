import { describe, it } from 'vitest';
import { useOpenTempWarehouse } from '../../../../../tests/helpers/warehouse.js';
import { expectFigures, metricOverRows, type HandRelation } from '../../../../../tests/helpers/definition-pin.js';

/*
 * Return rate: of the user-days whose D+7 is observable (not after the last day
 * with data), the share whose user comes back on D+1..D+7. From the per-user-day
 * impression rows written by hand (sql/metrics/engagement_user_days.sql decides
 * "returned" and "complete" on top of them), period [10-01, 10-03):
 *   u1 10-01 on two surfaces (one user-day), back 10-05          → returned
 *   u2 10-01, back only 10-09 (D+8)                               → not returned
 *   u3 10-02, back 10-03                                          → returned
 *   u4 10-02, back 10-09 (D+7, the last day that counts)          → returned
 * Last day with data 10-09: all four complete → 3 / 4.
 * Last day with data 10-08: 10-02's D+7 is not observable → u1, u2 only → 1 / 2.
 */
useOpenTempWarehouse('loopmeter-engagement-pin-');

const day = (d: number) => `2026-10-${String(d).padStart(2, '0')}`;
const active = (user: string, d: number, surface = 'feed') => [day(d), user, 'control', 'default', 'US', 'ios', surface, 1, 60_000] as const;
const USER_DAYS: HandRelation = {
	file: 'rollup_impression_user_days',
	columns: 'day Date, user_id String, rec_arm String, feed_mode String, country String, platform String, surface String, imps UInt64, watch_ms_sum UInt64',
	rows: [active('u1', 1), active('u1', 1, 'search'), active('u1', 5), active('u2', 1), active('u2', 9), active('u3', 2), active('u3', 3), active('u4', 2), active('u4', 9)]
};
const lastDay = (d: number): HandRelation => ({ file: 'rollup_last_impression_day', columns: 'day Date', rows: [[day(d)]] });
const PERIOD = { from: day(1), to: day(3), grain: 'total' } as const;

describe('return rate', () => {
	it('returning user-days over user-days, a user-day counted once whatever it was split by', async () => {
		expectFigures(await metricOverRows({ metric: 'return_rate', ...PERIOD }, [USER_DAYS, lastDay(9)]), [{ value: 3 / 4, returning_user_days: 3, user_days: 4 }]);
	});

	it('leaves out the days whose return is not yet observable', async () => {
		expectFigures(await metricOverRows({ metric: 'return_rate', ...PERIOD }, [USER_DAYS, lastDay(8)]), [{ value: 1 / 2, returning_user_days: 1, user_days: 2 }]);
	});
});
