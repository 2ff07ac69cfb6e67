import { pagesFor } from '$lib/server/auth/access';
import { currentFaultBanner, warehouseAnswers } from '$lib/server/http/faults';
import { pingWarehouse } from '$lib/server/http/control-lane';
import { listAnnotations } from '$lib/server/annotations';
import type { LayoutServerLoad } from './$types';

/** Who is signed in, which pages their role may open (the nav), and any banner to show. */
export const load: LayoutServerLoad = async ({ locals }) => {
	const user = locals.auth.user;
	// Only for signed-in pages: the sign-in page must render even with the warehouse down.
	if (user) await warehouseAnswers(() => pingWarehouse('health:banner'));
	const banner = [locals.auth.banner, currentFaultBanner()].filter(Boolean).join(' ') || undefined;
	// Every time-series chart draws the annotations in its range (a small table, read whole).
	const annotations = user ? await listAnnotations().catch(() => []) : [];
	return {
		annotations,
		user: user ? { name: user.name, role: user.role } : undefined,
		pages: pagesFor(user?.role) as string[],
		banner
	};
};
