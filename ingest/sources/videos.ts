import { z } from 'zod';
import { bool, int, oneOf, text, textList, timestamp } from '../fields.js';
import { check, defineSource, type RuleIssue } from './spec.js';

/** One row per published video; the latest loaded row per video_id wins. */
export const videoRow = z.object({
	video_id: text(),
	created_at: timestamp(),
	creator_id: text(),
	creator_kind: oneOf(['human', 'ai_assisted', 'ai_generated']),
	duration_ms: int({ above: 0, max: 4_294_967_295 }),
	topic: text(),
	// A video may have no caption; an empty CSV cell cannot be told from a missing one.
	caption: text({ default: '' }),
	remix_of: text({ default: '' }),
	request_id: text({ default: '' }),
	cameo_user_ids: textList(),
	cameo_consent: oneOf(['none', 'granted', 'revoked']),
	copyright_flag: bool(),
	// When cameo_consent last changed; impressions before it count under the
	// previous state (sql/metrics/video_consent_spans.sql). Blank: the consent
	// given has held since the video was created.
	consent_changed_at: timestamp({ optional: true })
});
export type VideoRow = z.infer<typeof videoRow>;

export default defineSource({
	source: 'videos',
	table: 'videos',
	describes: 'One row per published video (human, AI-assisted or AI-generated).',
	columns: videoRow,
	rules: (v) => {
		const issues: RuleIssue[] = [];
		check(issues, v.remix_of === '' || v.remix_of !== v.video_id, 'remix_of', 'must not be the video itself');
		// Timestamps are ISO strings of one format (fields.ts), so they compare as text.
		if (v.consent_changed_at !== null) {
			check(issues, v.consent_changed_at >= v.created_at, 'consent_changed_at', 'must not be before created_at', `(${v.created_at}), got ${v.consent_changed_at}`);
		}
		return issues;
	},
	ruleNotes: [
		'remix_of must not be the video itself.',
		'consent_changed_at, when given, must not be before created_at. Loading a video again with a new cameo_consent keeps the earlier state in the consent history (one state per consent_changed_at): impressions count under the state in force at their time.'
	],
	key: ['video_id'],
	keep: 'latest'
});
