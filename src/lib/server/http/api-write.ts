import { error, json } from '@sveltejs/kit';

type InputErrorClass = abstract new (...args: never[]) => Error;

/**
 * The POST half of the small write APIs (annotations, budgets, month closes):
 * read the JSON body, hand it to the module's own validating write, answer 201
 * with what was written. A body that is not JSON, or that the write refuses
 * with its input error, is a 400 carrying that message; anything else stays a
 * 500 (the fault handler logs it), so a warehouse failure never reads as bad input.
 */
export async function createdFromJson<T>(request: Request, write: (body: unknown) => Promise<T>, InputError: InputErrorClass): Promise<Response> {
	const body = await jsonBody(request);
	try {
		return json(await write(body), { status: 201 });
	} catch (e) {
		if (e instanceof InputError) error(400, e.message);
		throw e;
	}
}

/** The request's body parsed as JSON; a 400 saying so when it is not JSON. */
export async function jsonBody(request: Request): Promise<unknown> {
	try {
		return await request.json();
	} catch {
		error(400, 'body: not valid JSON');
	}
}

const day = /^\d{4}-\d{2}-\d{2}$/;

/** `from` and `to` of a list API's query string, each optional; a 400 naming the one that is not a date. */
export function dayRangeParams(url: URL): { from?: string; to?: string } {
	const range = { from: url.searchParams.get('from') ?? undefined, to: url.searchParams.get('to') ?? undefined };
	for (const [k, v] of Object.entries(range)) if (v !== undefined && !day.test(v)) error(400, `${k}: must be a date like 2026-10-01`);
	return range;
}
