import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `loopmeter serve` listens with plain node:http. Without ORIGIN, adapter-node
 * assumes every request came over https: cookies were always `Secure` (so a
 * browser on http://127.0.0.1 never sent them back), HSTS went out over http,
 * and form posts failed the origin check. This header, set by serve on every
 * request and never taken from the client, tells the app the truth (http);
 * adapter-node reads it through PROTOCOL_HEADER. Behind a TLS-terminating
 * proxy, set ORIGIN=https://your.host instead (docs/security.md).
 */
export const SOCKET_PROTOCOL_HEADER = 'x-loopmeter-socket-protocol';

type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

export function withSocketProtocol<H extends NodeHandler>(handler: H): NodeHandler {
	return (req, res, next) => {
		// Whatever a client sent under this name is overwritten: only the socket decides.
		req.headers[SOCKET_PROTOCOL_HEADER] = 'http';
		return handler(req, res, next);
	};
}

/**
 * What serve does about the protocol, decided from the environment: ORIGIN
 * (or a PROTOCOL_HEADER of the operator's own proxy) wins; otherwise the
 * socket's plain http is passed on.
 */
export function protocolPlan(env: NodeJS.ProcessEnv): { wrap: boolean; note: string } {
	if (env.ORIGIN) return { wrap: false, note: `Origin: ${env.ORIGIN} (ORIGIN).` };
	if (env.PROTOCOL_HEADER) return { wrap: false, note: `Protocol: taken from the ${env.PROTOCOL_HEADER} header (PROTOCOL_HEADER).` };
	return { wrap: true, note: 'Protocol: plain http (cookies without Secure, no HSTS). Behind a TLS proxy, set ORIGIN=https://your.host.' };
}
