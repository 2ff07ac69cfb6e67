import { readConfig } from '../config.js';

/** Routes that accept file uploads (ingest through the app): the large limit applies. */
export function isUploadPath(path: string): boolean {
	return path === '/ingest' || path.startsWith('/ingest/') || path.startsWith('/api/v1/ingest/');
}

export class BodyTooLargeError extends Error {
	readonly status = 413;
	constructor(readonly limit: number) {
		super(`The request body is larger than ${limit} bytes.`);
		this.name = 'BodyTooLargeError';
	}
}

/**
 * Refuses a body before it is read: a declared length over the route's limit
 * gives 413; a body of unknown length (chunked) is allowed only on upload
 * routes, whose handlers read it through `limitedBody`.
 */
export function checkBodySize(request: Request, path: string): { status: 411 | 413; message: string } | undefined {
	if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return undefined;
	// Read here, not from auth's settings: a body limit is HTTP plumbing, below auth.
	const config = readConfig();
	const upload = isUploadPath(path);
	const limit = upload ? config.LOOPMETER_MAX_UPLOAD_BYTES : config.LOOPMETER_MAX_BODY_BYTES;
	const declared = request.headers.get('content-length');
	if (declared !== null) {
		const n = Number(declared);
		if (!Number.isFinite(n) || n < 0) return { status: 413, message: 'content-length is not a number' };
		if (n > limit) return { status: 413, message: `The request body (${n} bytes) is larger than the ${limit}-byte limit of this route.` };
		return undefined;
	}
	if (request.body && !upload) return { status: 411, message: 'Send a Content-Length: bodies of unknown length are accepted only by upload routes.' };
	return undefined;
}

/** The request body as a stream that errors with BodyTooLargeError past `max` bytes (default: the upload limit). */
export function limitedBody(request: Request, max = readConfig().LOOPMETER_MAX_UPLOAD_BYTES): ReadableStream<Uint8Array> {
	if (!request.body) return new ReadableStream({ start: (c) => c.close() });
	let seen = 0;
	return request.body.pipeThrough(
		new TransformStream<Uint8Array, Uint8Array>({
			transform(chunk, controller) {
				seen += chunk.byteLength;
				if (seen > max) controller.error(new BodyTooLargeError(max));
				else controller.enqueue(chunk);
			}
		})
	);
}
