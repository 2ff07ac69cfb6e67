import { fail } from '@sveltejs/kit';
import { addAnnotation, AnnotationError, authorOf, listAnnotations, removeAnnotation } from '$lib/server/annotations';
import { clientIp } from '$lib/server/auth';
import { annotationKinds } from '$lib/contracts/annotations';
import type { Actions, PageServerLoad } from './$types';

/** Annotations: the dated notes every time-series chart marks; anyone signed in may add or remove one (author and audit kept). */
export const load: PageServerLoad = async () => ({ list: await listAnnotations(), kinds: annotationKinds });

export const actions: Actions = {
	add: async (event) => {
		const form = await event.request.formData();
		const text = (k: string) => String(form.get(k) ?? '');
		try {
			const a = await addAnnotation({ day: text('day'), kind: text('kind') as (typeof annotationKinds)[number], title: text('title'), body: text('body') }, authorOf(event.locals), { ip: clientIp(event) });
			return { added: a.title };
		} catch (e) {
			if (e instanceof AnnotationError) return fail(400, { error: e.message });
			throw e;
		}
	},
	remove: async (event) => {
		const id = String((await event.request.formData()).get('id') ?? '');
		if (!(await removeAnnotation(id, authorOf(event.locals), { ip: clientIp(event) }))) return fail(404, { error: `no annotation ${id}` });
		return { removed: id };
	}
};
