import { addAnnotation, annotationExists } from '../../src/lib/server/annotations/index.js';
import { CLUSTERS, GPU_PRICES, REC_ARMS, ROLLOUT_PLATEAU_SHARE, type Story } from './scenario.js';

/** The story's turning points as annotations, so every chart of the demo marks them. Fixed ids: loading twice adds nothing. */
export function storyAnnotations(story: Story) {
	return [
		{ id: 'demo-owned-cluster', day: story.date(story.ownedClusterDay), kind: 'launch', title: `Owned ${CLUSTERS.owned.gpu_type} cluster online`, body: `${CLUSTERS.owned.cluster} starts; the burst rental is returned the same day.` },
		{ id: 'demo-rollout', day: story.date(story.rolloutDay), kind: 'launch', title: `${REC_ARMS.degrading} rollout starts`, body: `The ${REC_ARMS.degrading} recommender serves 10 % of users, growing to ${ROLLOUT_PLATEAU_SHARE * 100} %.` },
		{ id: 'demo-feed-modes', day: story.date(story.feedModeLaunchDay), kind: 'launch', title: 'Feed modes launched', body: 'relaxed and energized beside default.' },
		{ id: 'demo-gpu-price-cut', day: story.date(story.gpuPriceCutDay), kind: 'price', title: 'H100 rental price cut', body: `$${GPU_PRICES.h100RentalBefore} → $${GPU_PRICES.h100RentalAfter} per GPU-hour.` }
	] as const;
}

export async function addStoryAnnotations(story: Story): Promise<number> {
	let added = 0;
	for (const { id, ...a } of storyAnnotations(story)) {
		if (await annotationExists(id)) continue;
		await addAnnotation(a, 'demo', { id });
		added++;
	}
	return added;
}
