/**
 * The metric base files kept as day tables (day-tables.ts), with the days each
 * returns rows for around the period asked: [from − before, to + after). A day
 * table holds every day; read in place of its file it returns the same window,
 * so whatever reads the file gets rows for the same days.
 *
 * A file qualifies only if its rows for a day are the same whatever period is
 * asked: the period just selects days (lookbacks such as "the next 7 days" or
 * "all history before" reach outside it by design).
 * tests/integration/day-tables.test.ts compares every metric reading one with
 * the file itself over periods cut mid-data, with breakdowns and filters.
 */
export const DAY_TABLE_WINDOWS = {
	slop_novelty_daily: { before: 0, after: 0 },
	slop_diversity_user_days: { before: 0, after: 0 },
	// Sessions are read one day either side so one crossing midnight is whole.
	engagement_sessions: { before: 1, after: 1 },
	engagement_user_days: { before: 0, after: 0 },
	// Whole 28-day (MAU) and two 7-day (divergence) windows on the period's first day.
	engagement_active_users: { before: 27, after: 0 },
	engagement_divergence_user_days: { before: 13, after: 0 },
	revenue_daily: { before: 0, after: 0 },
	attention_cohort_videos: { before: 0, after: 0 },
	// The video indicators per day, arm, mode and creator kind (the Slop Index's and Feed health's
	// default view): per-video-day rollup rows joined with each video's current facts.
	slop_near_duplicate_days: { before: 0, after: 0 },
	slop_remix_depth_days: { before: 0, after: 0 },
	slop_video_mix_days: { before: 0, after: 0 },
	slop_creator_days: { before: 0, after: 0 }
} as const satisfies Record<string, { before: number; after: number }>;

export type DayTableSource = keyof typeof DAY_TABLE_WINDOWS;

export const DAY_TABLE_SOURCES = Object.keys(DAY_TABLE_WINDOWS) as DayTableSource[];

export const isDayTableSource = (name: string): name is DayTableSource => Object.hasOwn(DAY_TABLE_WINDOWS, name);

/** The table a day-table file's rows are kept in (names only from the constant list above). */
export const dayTableName = (source: DayTableSource) => `day_${source}`;

/**
 * The days of each day table that new impressions on day d can change, [d − before, d + after],
 * for an ingest that added impressions and nothing else (day-tables.ts rebuilds just those days).
 * Found by reading each file: its rows for a day are computed from that day's impressions, except
 *   - sessions: a session is filed under the day it starts, and lasts less than 24 h;
 *   - engagement_user_days: "returned" looks at the next 7 days, and "complete" (D + 7 is not after
 *     the last day with impressions) moves with the last day (`lastDay`: days up to 7 before it);
 *   - attention_cohort_videos: a video's day is its creation day, its watch time the 7 days after,
 *     and "observed" (those 7 days end by the last day) moves with the last day like "complete";
 *   - novelty: also the day a user's old first impression of a creator was on, when an earlier one
 *     arrives (found while updating the kept first impressions, day-table-state.ts).
 * A file that reads the last day but has no `lastDay` here is rebuilt whole when the last day moves.
 * `orLater`: every later day may change too, as far as a reader can tell without the refresh's work
 * (novelty: which later first impressions moved is found only while updating the kept ones), so
 * requests reading any day from the earliest new one on compute the file until the refresh is done
 * (day-table-validity.ts).
 * tests/integration/day-tables.test.ts checks every day table, rebuilt this way after appended,
 * late and repeated loads, against the file computed from the raw tables.
 */
export const IMPRESSION_REACH: Record<DayTableSource, { before: number; after: number; lastDay?: number; orLater?: true }> = {
	slop_novelty_daily: { before: 0, after: 0, orLater: true },
	slop_diversity_user_days: { before: 0, after: 0 },
	engagement_sessions: { before: 1, after: 1 },
	engagement_user_days: { before: 7, after: 0, lastDay: 7 },
	engagement_active_users: { before: 0, after: 0 },
	engagement_divergence_user_days: { before: 0, after: 0 },
	revenue_daily: { before: 0, after: 0 },
	attention_cohort_videos: { before: 7, after: 0, lastDay: 7 },
	slop_near_duplicate_days: { before: 0, after: 0 },
	slop_remix_depth_days: { before: 0, after: 0 },
	slop_video_mix_days: { before: 0, after: 0 },
	slop_creator_days: { before: 0, after: 0 }
};

/**
 * Files whose full build reads every impression (or user-day) row: built one
 * month per statement, so the build's memory is a month's, not all history's
 * (novelty and sessions did not fit the embedded cap at 100 M impressions).
 * The others compute a catalogue-wide relation (near-duplicates, remix trees,
 * subscription periods) that a month-by-month build would repeat for every
 * month; they stay one statement over every day.
 */
export const BUILT_BY_MONTH: ReadonlySet<DayTableSource> = new Set<DayTableSource>([
	'slop_novelty_daily',
	'slop_diversity_user_days',
	'engagement_sessions',
	'engagement_user_days',
	'engagement_active_users',
	'engagement_divergence_user_days'
]);
