import { randomUUID } from 'node:crypto';
import { annotation, annotationInput, type Annotation, type AnnotationInput } from '../../contracts/annotations.js';
import { describeZodError } from '../../contracts/metrics.js';
import { audit } from '../audit/index.js';
import { nextVersion } from '../auth/clock.js';
import { controlLane } from '../http/control-lane.js';
import { command, getWarehouse, query, type Warehouse } from '../warehouse/index.js';

/**
 * Annotations (migration 0080): dated notes — launches, price cuts, incidents —
 * that every time-series chart draws as a mark. Added on a page, by the API or
 * `loopmeter annotations add`; each addition and removal names its author and
 * leaves an audit entry.
 */

export class AnnotationError extends Error {}

/** Who an annotation is by: the signed-in person, or the API token's name. */
export function authorOf(locals: { auth: { user?: { name: string }; token?: { name: string } } }): string {
	return locals.auth.user?.name ?? (locals.auth.token ? `token:${locals.auth.token.name}` : 'unknown');
}

/** Validates, stores and audits one annotation; returns it. `id` only for fixed ids (the demo's story events). */
export async function addAnnotation(input: AnnotationInput, author: string, opts: { id?: string; ip?: string } = {}): Promise<Annotation> {
	const parsed = annotationInput.safeParse(input);
	if (!parsed.success) throw new AnnotationError(describeZodError(parsed.error));
	const a = parsed.data;
	const id = opts.id ?? randomUUID();
	const createdAt = new Date().toISOString().replace('T', ' ').replace('Z', '');
	await command(
		`INSERT INTO annotations (id, day, kind, title, body, author, created_at, removed, version)
SELECT {id:String}, {day:Date}, {kind:String}, {title:String}, {body:String}, {author:String}, {created_at:DateTime64(3)}, false, {version:UInt64}`,
		{ tag: 'annotations:add', params: { id, day: a.day, kind: a.kind, title: a.title, body: a.body, author: author.slice(0, 200), created_at: createdAt, version: nextVersion() } }
	);
	forgetAnnotations();
	await audit({ actor: author, action: 'annotation.add', target: id, ip: opts.ip, detail: `${a.day} ${a.kind}: ${a.title}` });
	return { id, ...a, author, created_at: createdAt };
}

/** Marks an annotation removed (a newer row); false when there is no such annotation. */
export async function removeAnnotation(id: string, author: string, opts: { ip?: string } = {}): Promise<boolean> {
	const [current] = await query<Annotation>(
		`SELECT id, toString(day) AS day, kind, title, body, author, toString(created_at) AS created_at FROM annotations FINAL WHERE id = {id:String} AND NOT removed`,
		{ tag: 'annotations:get', params: { id } }
	);
	if (!current) return false;
	await command(
		`INSERT INTO annotations (id, day, kind, title, body, author, created_at, removed, version)
SELECT {id:String}, {day:Date}, {kind:String}, {title:String}, {body:String}, {author:String}, {created_at:DateTime64(3)}, true, {version:UInt64}`,
		{ tag: 'annotations:remove', params: { ...current, version: nextVersion() } }
	);
	forgetAnnotations();
	await audit({ actor: author, action: 'annotation.remove', target: id, ip: opts.ip, detail: `${current.day} ${current.kind}: ${current.title}` });
	return true;
}

/** Whether an annotation with this id was ever stored (removed ones count: the demo does not bring back what someone removed). */
export async function annotationExists(id: string): Promise<boolean> {
	const rows = await query<{ n: number }>(`SELECT count() AS n FROM annotations WHERE id = {id:String}`, { tag: 'annotations:exists', params: { id } });
	return Number(rows[0]?.n ?? 0) > 0;
}

/**
 * Every live annotation, read whole with a plain statement on the control lane:
 * every signed-in page's layout draws them, and a read on the panel connections
 * would wait behind whatever panel queries fill them. The table is small. Kept in memory,
 * forgotten by this process's own writes, and re-read after REREAD_MS for writes
 * made by another process (the CLI against a ClickHouse server).
 */
const REREAD_MS = 10_000;
let held: { at: number; for: Warehouse; rows: Promise<Annotation[]> } | undefined;

async function readAll(): Promise<Annotation[]> {
	const lane = await controlLane();
	const rows = await lane.query<Annotation>(
		// Qualified columns: the String aliases of day and created_at would shadow them in WHERE and ORDER BY.
		`SELECT a.id AS id, toString(a.day) AS day, a.kind AS kind, a.title AS title, a.body AS body, a.author AS author, toString(a.created_at) AS created_at
FROM annotations AS a FINAL
WHERE NOT a.removed
ORDER BY a.day, a.created_at, a.id`,
		{ tag: 'annotations:list' }
	);
	return rows.map((r) => annotation.parse(r));
}

async function allAnnotations(now = Date.now()): Promise<Annotation[]> {
	// Another warehouse opened since (tests, a moved data directory) has other annotations.
	const wh = await getWarehouse();
	if (!held || held.for !== wh || now - held.at > REREAD_MS) {
		const rows = readAll();
		held = { at: now, for: wh, rows };
		// A failed read is not kept: the next caller tries again.
		rows.catch(() => {
			if (held?.rows === rows) held = undefined;
		});
	}
	return held.rows;
}

/** This process changed the table: the next reader reads it again. */
function forgetAnnotations(): void {
	held = undefined;
}

/** Annotations whose day is in [from, to) (every one when no period), oldest first. */
export async function listAnnotations(period: { from?: string; to?: string } = {}): Promise<Annotation[]> {
	const from = period.from ?? '0000-01-01';
	const to = period.to ?? '9999-12-31';
	// ISO dates: string order is date order.
	return (await allAnnotations()).filter((a) => a.day >= from && a.day < to);
}
