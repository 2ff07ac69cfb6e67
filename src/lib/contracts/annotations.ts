import { z } from 'zod';

/** Dated notes drawn on every time-series chart: shared by the API, the page, the CLI and the chart component. */
export const annotationKinds = ['launch', 'price', 'incident', 'note'] as const;
export const annotationKind = z.enum(annotationKinds, { message: `kind must be one of: ${annotationKinds.join(', ')}` });

const isoDate = z
	.string()
	.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2026-10-01')
	.refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'is not a real calendar date');

export const annotationInput = z
	.object({
		day: isoDate,
		kind: annotationKind.default('note'),
		title: z.string().trim().min(1, 'must not be empty').max(120, 'at most 120 characters'),
		body: z.string().trim().max(2000, 'at most 2000 characters').default('')
	})
	.strict();
export type AnnotationInput = z.input<typeof annotationInput>;

export const annotation = z.object({
	id: z.string(),
	day: z.string(),
	kind: annotationKind,
	title: z.string(),
	body: z.string(),
	author: z.string(),
	created_at: z.string()
});
export type Annotation = z.infer<typeof annotation>;
