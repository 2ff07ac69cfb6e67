// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
			/** Quoted in the server log next to the details, so a report can be matched. */
			id?: string;
		}
		interface Locals {
			/** Who is asking (set by hooks.server.ts on every request). */
			auth: import('$lib/server/auth').Auth;
			/** A warehouse fault met while serving this request (set by handleError). */
			fault?: import('$lib/server/http/faults').Fault;
		}
		// interface PageData {}
		// interface PageState {}
		// interface Platform {}
	}
}

export {};
