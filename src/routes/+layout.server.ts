import { pagesFor } from '$lib/server/auth/access';
import { currentFaultBanner } from '$lib/server/auth/faults';
import type { LayoutServerLoad } from './$types';

/** Who is signed in, which pages their role may open (the nav), and any banner to show. */
export const load: LayoutServerLoad = ({ locals }) => {
	const user = locals.auth.user;
	const banner = [locals.auth.banner, currentFaultBanner()].filter(Boolean).join(' ') || undefined;
	return {
		user: user ? { name: user.name, role: user.role } : undefined,
		pages: pagesFor(user?.role) as string[],
		banner
	};
};
