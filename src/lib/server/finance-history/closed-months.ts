import { monthCloseInput, type MonthClose, type MonthCloseInput } from '../../contracts/finance-history.js';
import { describeZodError } from '../../contracts/metrics.js';
import { audit } from '../audit/index.js';
import { chTime, fromChTime, nextVersion } from '../auth/clock.js';
import { command } from '../warehouse/index.js';
import { controlLane } from '../http/control-lane.js';

/**
 * Closing a month (migration 0087): finance keeps what was reported for it, the
 * figures as of the moment of closing; a later correction of a fleet or
 * price-sheet rate shows beside it as a restatement (restatements.ts). Admins
 * only (checked by the route, the admin page and, for the CLI, by who can reach
 * the warehouse); every close and reopening is in the audit log.
 */

export class MonthCloseError extends Error {}

/** A close as the warehouse returns it: the fields of MonthClose, its times in ClickHouse's text form (toClose makes them ISO). */
type StoredClose = MonthClose;

const toClose = (r: StoredClose): MonthClose => ({
	month: r.month,
	closed: Boolean(r.closed),
	as_of: fromChTime(r.as_of).toISOString(),
	actor: r.actor,
	note: r.note,
	changed_at: fromChTime(r.changed_at).toISOString()
});

/** Every month ever closed, with its latest state (closed, or reopened), oldest first. */
export async function listMonthCloses(): Promise<MonthClose[]> {
	const rows = await (await controlLane()).query<StoredClose>(
		`SELECT toString(c.month) AS month, c.closed AS closed, toString(c.as_of) AS as_of, c.actor AS actor, c.note AS note, toString(c.changed_at) AS changed_at
		FROM closed_months AS c FINAL
		ORDER BY c.month`,
		{ tag: 'closed-months:list' }
	);
	return rows.map(toClose);
}

/** The months closed now, by their first day. */
export async function closedMonths(): Promise<Map<string, MonthClose>> {
	return new Map((await listMonthCloses()).filter((c) => c.closed).map((c) => [c.month, c]));
}

const monthEnd = (month: string) => {
	const d = new Date(`${month}T00:00:00Z`);
	return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
};

/**
 * Closes or reopens a month; returns its new state. A month closes only once it
 * has ended and only if open (closing again would silently move what was
 * reported: reopen first); reopening needs it closed.
 */
export async function changeMonthClose(input: MonthCloseInput, actor: string, opts: { ip?: string; now?: Date } = {}): Promise<MonthClose> {
	const parsed = monthCloseInput.safeParse(input);
	if (!parsed.success) throw new MonthCloseError(describeZodError(parsed.error));
	const { month, action, note } = parsed.data;
	const now = opts.now ?? new Date();
	const current = (await closedMonths()).get(month);
	const label = month.slice(0, 7);
	if (action === 'close' && current) throw new MonthCloseError(`month ${label} is already closed (as of ${current.as_of} by ${current.actor}); reopen it first`);
	if (action === 'close' && monthEnd(month) > now) throw new MonthCloseError(`month ${label} has not ended yet: it can be closed from ${monthEnd(month).toISOString().slice(0, 10)}`);
	if (action === 'reopen' && !current) throw new MonthCloseError(`month ${label} is not closed`);
	// A reopened month keeps the as_of it was closed at, so the audit trail and the row say what was reported.
	const asOf = action === 'close' ? now : new Date(current!.as_of);
	await command(
		`INSERT INTO closed_months (month, closed, as_of, actor, note, changed_at, version)
SELECT {month:Date}, {closed:Bool}, {as_of:DateTime64(3)}, {actor:String}, {note:String}, {changed_at:DateTime64(3)}, {version:UInt64}`,
		{
			tag: `closed-months:${action}`,
			params: { month, closed: action === 'close', as_of: chTime(asOf), actor: actor.slice(0, 200), note, changed_at: chTime(now), version: nextVersion() }
		}
	);
	await audit({ actor, action: action === 'close' ? 'month.close' : 'month.reopen', target: label, ip: opts.ip, detail: `as of ${asOf.toISOString()}${note ? `: ${note}` : ''}` });
	return { month, closed: action === 'close', as_of: asOf.toISOString(), actor, note, changed_at: now.toISOString() };
}
