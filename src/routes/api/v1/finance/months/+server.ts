import { json } from '@sveltejs/kit';
import { changeMonthClose, listMonthCloses, MonthCloseError } from '$lib/server/finance-history';
import { actorOf, clientIp } from '$lib/server/auth';
import { createdFromJson } from '$lib/server/http/api-write';
import type { RequestHandler } from './$types';

/** GET /api/v1/finance/months: every month ever closed, with its state (closed, or reopened), as_of and who. */
export const GET: RequestHandler = async () => json({ months: await listMonthCloses() });

/**
 * POST /api/v1/finance/months {month: "2026-10", action?: "close"|"reopen", note?}: closes or
 * reopens a month (admins only, by the access table); audited with the caller and address.
 */
export const POST: RequestHandler = async (event) =>
	createdFromJson(event.request, (body) => changeMonthClose(body as Parameters<typeof changeMonthClose>[0], actorOf(event.locals.auth), { ip: clientIp(event) }), MonthCloseError);
