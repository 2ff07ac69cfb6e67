import { beforeAll, describe, expect, it } from 'vitest';
import { addAnnotation, AnnotationError, listAnnotations, removeAnnotation } from '../../src/lib/server/annotations/index.js';
import { addStoryAnnotations, storyAnnotations } from '../../ingest/demo/annotations.js';
import { storyFor, SCENARIO } from '../../ingest/demo/scenario.js';
import { query } from '../../src/lib/server/warehouse/index.js';
import { useTempWarehouse } from '../helpers/warehouse.js';

const { open } = useTempWarehouse('loopmeter-annotations-');
beforeAll(async () => {
	await open();
});

const auditOf = (id: string) => query<{ actor: string; action: string }>(`SELECT actor, action FROM audit_log WHERE target = {id:String} ORDER BY ts`, { tag: 'test', params: { id } });

describe('annotations', () => {
	it('stores a dated note with its author, lists it by period and audits adding and removing', async () => {
		const a = await addAnnotation({ day: '2026-10-14', kind: 'incident', title: 'Feed outage', body: '40 minutes of empty feeds' }, 'ana');
		expect(a).toMatchObject({ day: '2026-10-14', kind: 'incident', title: 'Feed outage', author: 'ana' });
		expect((await listAnnotations({ from: '2026-10-01', to: '2026-11-01' })).map((x) => [x.id, x.title, x.author])).toEqual([[a.id, 'Feed outage', 'ana']]);
		// [from, to): the day itself is the boundary
		expect(await listAnnotations({ from: '2026-10-15', to: '2026-11-01' })).toEqual([]);
		expect(await removeAnnotation(a.id, 'ben')).toBe(true);
		expect(await listAnnotations()).toEqual([]);
		expect(await removeAnnotation(a.id, 'ben')).toBe(false);
		expect(await auditOf(a.id)).toEqual([
			{ actor: 'ana', action: 'annotation.add' },
			{ actor: 'ben', action: 'annotation.remove' }
		]);
	});

	it('refuses bad input naming the field', async () => {
		await expect(addAnnotation({ day: '2026-02-30', title: 'x' }, 'ana')).rejects.toThrow(/day: is not a real calendar date/);
		await expect(addAnnotation({ day: '2026-10-01', title: '  ' }, 'ana')).rejects.toThrow(AnnotationError);
		await expect(addAnnotation({ day: '2026-10-01', title: 'x', kind: 'rumour' as 'note' }, 'ana')).rejects.toThrow(/kind: kind must be one of/);
	});

	it('the demo ships its story events once, however often it is loaded', async () => {
		const story = storyFor();
		expect(await addStoryAnnotations(story)).toBe(4);
		expect(await addStoryAnnotations(story)).toBe(0);
		const list = await listAnnotations();
		expect(list.map((a) => [a.day, a.kind])).toEqual([
			[SCENARIO.ownedClusterDate, 'launch'],
			[SCENARIO.rolloutDate, 'launch'],
			[SCENARIO.feedModeLaunchDate, 'launch'],
			[SCENARIO.gpuPriceCutDate, 'price']
		]);
		expect(list.every((a) => a.author === 'demo')).toBe(true);
		expect(storyAnnotations(story).map((a) => a.id)).toEqual(list.map((a) => a.id));
	});
});
