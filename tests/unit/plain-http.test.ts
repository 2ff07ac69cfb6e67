import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { protocolPlan, SOCKET_PROTOCOL_HEADER, withSocketProtocol } from '../../src/lib/server/http/plain-http.js';

describe('loopmeter serve over plain http', () => {
	it('without ORIGIN, tells the app the socket is http, whatever the client claims', () => {
		expect(protocolPlan({})).toMatchObject({ wrap: true });
		let seen: string | string[] | undefined;
		const app = (req: IncomingMessage) => {
			seen = req.headers[SOCKET_PROTOCOL_HEADER];
		};
		const req = { headers: { [SOCKET_PROTOCOL_HEADER]: 'https', host: '127.0.0.1:3000' } } as unknown as IncomingMessage;
		withSocketProtocol(app)(req, {} as ServerResponse);
		expect(seen).toBe('http');
	});
	it('leaves ORIGIN or an operator PROTOCOL_HEADER in charge', () => {
		expect(protocolPlan({ ORIGIN: 'https://loopmeter.example.com' })).toMatchObject({ wrap: false });
		expect(protocolPlan({ PROTOCOL_HEADER: 'x-forwarded-proto' })).toMatchObject({ wrap: false });
	});
});
