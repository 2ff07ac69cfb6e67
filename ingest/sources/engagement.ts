import { z } from 'zod';
import { bool, int, oneOf, text, timestamp } from '../fields.js';
import { defineSource } from './spec.js';

const UINT32 = 4_294_967_295;
const COUNTRY = /^[A-Z]{2}$/;

/** One row per feed impression (docs/data.md, engagement). */
export const engagementRow = z.object({
	impression_id: text(),
	ts: timestamp(),
	user_id: text(),
	session_id: text(),
	video_id: text(),
	watch_ms: int({ min: 0, max: UINT32 }),
	video_duration_ms: int({ above: 0, max: UINT32 }),
	position: int({ min: 0, max: UINT32 }),
	surface: oneOf(['feed', 'following', 'profile', 'search', 'share_link']),
	feed_mode: oneOf(['default', 'relaxed', 'energized']),
	rec_arm: text(),
	autoplay: bool(),
	liked: bool(),
	shared: bool(),
	commented: bool(),
	followed: bool(),
	not_interested: bool(),
	reported: bool(),
	country: text({ default: '', pattern: COUNTRY, patternRule: 'must be an ISO 3166-1 alpha-2 code such as US' }),
	platform: oneOf(['ios', 'android', 'web'], { default: '' }),
	tz_offset_min: int({ min: -840, max: 840 }, { default: null }),
	is_internal: bool({ default: false })
});
export type EngagementRow = z.infer<typeof engagementRow>;

export default defineSource({
	source: 'engagement',
	table: 'impressions',
	describes: 'One row per feed impression: a clip shown to a user, with what the user did with it.',
	columns: engagementRow,
	key: ['impression_id'],
	keep: 'first',
	dayColumn: 'ts',
	// Its three rollup views (migrations 0043, 0050, 0052) GROUP BY their keys; every rollup reader sums again.
	insertUnmerged: true
});
