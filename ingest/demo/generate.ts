import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestSource } from '../../src/lib/contracts/ingest.js';
import { Billing } from './billing.js';
import { foreignBillingEvents, fxRateRows } from './foreign-billing.js';
import { COUNTRIES, PLATFORM_CPM, TOPICS } from './catalog.js';
import { newTrend, originalCaption, remixCaption, trendCaption, videoDurationMs, VideoPools, type Trend, type Video } from './content.js';
import { IMPRESSION_COLUMNS, userDay } from './engagement.js';
import { budgetRows, fleetRows, invoiceRows, pickCluster, priceSheetRows, provisionedGpuHours, type FleetRow } from './fleet.js';
import { MODELS, runRequest, SYSTEM_RATES, USER_RATES, type JobRow, type ModelSpec, type Purpose } from './jobs.js';
import { activeProbability, makeUsers, modeAdoption, rlIntensity, rolloutShare, type User } from './population.js';
import { Random } from './random.js';
import { BILLING_BEATS, DAY, ROLLOUT_PLATEAU_SHARE, storyFor, type Plan, type PriceKey, type Story } from './scenario.js';
import { CsvFile, NdjsonFile } from './sinks.js';

export interface GenerateOptions {
	seed: number;
	days: number;
	users: number;
	outDir: string;
	/** false: simulate who is active (it drives generations and billing) but write no impressions or ad revenue (bulk scales insert those in SQL). */
	engagement?: boolean;
	onProgress?: (message: string) => void;
}

export interface GeneratedFile {
	source: IngestSource;
	path: string;
	rows: number;
	/**
	 * A correction loaded after the month it restates was closed (the demo's corrected
	 * rental rate): runDemo loads it after closing that month, not in the load order.
	 */
	correctsClosedMonth?: string;
}

export interface GenerateResult {
	files: GeneratedFile[];
	impressions: number;
	story: Story;
	users: User[];
	videos: Video[];
	/** Users with a Stripe customer (they paid at some point): no ads on their feed. */
	paying: Set<string>;
}


const iso = (ms: number) => new Date(ms).toISOString();
const VIDEO_FILE_ROWS = 20_000;

/**
 * Simulates the story day by day and writes one file per source (engagement
 * one per month) in the formats of docs/data.md. Deterministic: one seeded stream
 * per concern, synchronous writes in simulation order.
 */
export function generate(opts: GenerateOptions): GenerateResult {
	const story = storyFor(opts.days);
	mkdirSync(opts.outDir, { recursive: true });
	const root = new Random(opts.seed);
	const rngUsers = root.fork(1);
	const rngFeed = root.fork(2);
	const rngContent = root.fork(3);
	const rngJobs = root.fork(4);
	const rngBilling = root.fork(5);
	const rngAds = root.fork(6);
	// Forked after the others, so the billing beats draw without shifting any other stream.
	const rngBeats = root.fork(7);
	// Customers billed in EUR and GBP, and the rates: forked last, so no other stream shifts.
	const rngForeign = root.fork(8);

	const users = makeUsers(rngUsers, opts.users, story);
	const byId = new Map(users.map((u) => [u.id, u]));
	const fleet = fleetRows(story, opts.users);
	const files: GeneratedFile[] = [];
	const path = (name: string) => join(opts.outDir, name);

	// ------------------------------------------------------------- price sheets, fleet
	const sheetFile = new CsvFile(path('gpu_price_sheets.csv'), [
		'gpu_type', 'valid_from', 'purchase_usd_per_gpu', 'amortization_months', 'power_watts', 'maintenance_usd_per_gpu_month'
	] as const);
	for (const s of priceSheetRows(story)) {
		sheetFile.write({
			...s, valid_from: iso(s.validFromMs), purchase_usd_per_gpu: s.purchase_usd_per_gpu.toFixed(2),
			maintenance_usd_per_gpu_month: s.maintenance_usd_per_gpu_month.toFixed(2)
		});
	}
	sheetFile.close();
	files.push({ source: 'gpu_price_sheets', path: sheetFile.path, rows: sheetFile.rows });

	// The fleet as first loaded (one rental rate mistyped), then the whole fleet again with it corrected.
	const writeFleet = (name: string, rows: readonly FleetRow[]) => {
		const fleetFile = new CsvFile(path(name), [
			'cluster', 'gpu_type', 'valid_from', 'valid_to', 'gpu_count', 'ownership', 'rental_usd_per_gpu_hour', 'purchase_usd_per_gpu',
			'amortization_months', 'power_watts', 'pue', 'usd_per_kwh', 'maintenance_usd_per_gpu_month'
		] as const);
		for (const r of rows) {
			fleetFile.write({
				...r, valid_from: iso(r.validFromMs), valid_to: r.validToMs === undefined ? '' : iso(r.validToMs),
				rental_usd_per_gpu_hour: r.rental_usd_per_gpu_hour?.toFixed(2), purchase_usd_per_gpu: r.purchase_usd_per_gpu?.toFixed(2),
				power_watts: r.power_watts, pue: r.pue, usd_per_kwh: r.usd_per_kwh, maintenance_usd_per_gpu_month: r.maintenance_usd_per_gpu_month?.toFixed(2)
			});
		}
		fleetFile.close();
		return { path: fleetFile.path, rows: fleetFile.rows };
	};
	files.push({ source: 'gpu_fleet', ...writeFleet('gpu_fleet.csv', fleetRows(story, opts.users, { asFirstLoaded: true })) });
	// Corrected after the month of the price cut (whose spend it restates) was closed.
	files.push({ source: 'gpu_fleet', ...writeFleet('gpu_fleet-corrected.csv', fleet), correctsClosedMonth: story.date(story.gpuPriceCutDay).slice(0, 7) });

	const invoiceFile = new CsvFile(path('gpu_invoices.csv'), ['invoice_id', 'provider', 'cluster', 'month', 'amount_usd'] as const);
	for (const inv of invoiceRows(fleet, story)) invoiceFile.write(inv);
	invoiceFile.close();
	files.push({ source: 'gpu_invoices', path: invoiceFile.path, rows: invoiceFile.rows });

	const budgetFile = new CsvFile(path('budgets.csv'), ['month', 'line', 'scope', 'amount_usd'] as const);
	for (const b of budgetRows(fleet, story)) budgetFile.write(b);
	budgetFile.close();
	files.push({ source: 'budgets', path: budgetFile.path, rows: budgetFile.rows });

	// ------------------------------------------------------------- content
	const videos: Video[] = [];
	const pools = new VideoPools(videos);
	// Videos files per month of creation, at most VIDEO_FILE_ROWS rows each: smaller inserts keep the
	// near-duplicate materialized view (which joins each new block with every stored signature) short.
	const videoFiles = new Map<string, NdjsonFile>();
	const videoFileList: NdjsonFile[] = [];
	const jobsFile = new NdjsonFile(path('generation_jobs.ndjson'));
	const cameoVideos = new Map<string, number[]>();
	let videoSeq = 0;
	let jobSeq = 0;
	let requestSeq = 0;
	const nextJobId = () => `j${(++jobSeq).toString(36).padStart(7, '0')}`;
	const nextRequestId = () => `r${(++requestSeq).toString(36).padStart(7, '0')}`;
	const studios = TOPICS.map((t) => [1, 2, 3].map((n) => `studio-${t.name}-${n}`));
	const trends: Trend[] = [];
	const trendCopies = new Map<Trend, number>();

	const writeVideo = (v: Video) => {
		// A video finished just after the last midnight goes with the last month.
		const month = iso(Math.min(v.createdMs, story.endMs - 1)).slice(0, 7);
		let file = videoFiles.get(month);
		if (!file || file.rows >= VIDEO_FILE_ROWS) {
			const part = videoFileList.filter((f) => f.path.includes(`videos-${month}-`)).length + 1;
			file = new NdjsonFile(path(`videos-${month}-p${String(part).padStart(2, '0')}.ndjson`));
			videoFiles.set(month, file);
			videoFileList.push(file);
		}
		file.write(videoRow(v, videos));
		for (const c of v.cameoUserIds) {
			if (!cameoVideos.has(c)) cameoVideos.set(c, []);
			cameoVideos.get(c)!.push(v.index);
		}
	};
	const addVideo = (fields: Omit<Video, 'index' | 'id'>): Video => {
		const v: Video = { ...fields, index: videos.length, id: `v${(++videoSeq).toString(36).padStart(7, '0')}` };
		videos.push(v);
		writeVideo(v);
		return v;
	};
	const writeJobs = (jobs: JobRow[]) => {
		for (const j of jobs) jobsFile.write(jobRow(j));
	};
	/** Share of the way to the rollout plateau: creators and feed pre-generation chase what the ranking rewards. */
	const chase = (day: number) => rolloutShare(story, day) / ROLLOUT_PLATEAU_SHARE;

	// Back catalogue: the app existed before the scenario; uploads from its last weeks fill the first feeds.
	for (let i = 0; i < Math.max(200, Math.round(opts.users * 0.4)); i++) {
		const topic = rngContent.weightedIndex(TOPICS.map((t) => t.weight));
		const creator = users[rngContent.int(0, Math.max(0, Math.floor(users.length * 0.3) - 1))]!;
		const v = addVideo({
			createdMs: story.startMs - rngContent.int(1, VideoPools.WINDOW_DAYS * DAY - 1), creatorId: creator.id, creatorKind: rngContent.chance(0.5) ? 'human' : 'ai_assisted',
			durationMs: videoDurationMs(rngContent), topic, caption: originalCaption(rngContent, topic), parent: -1, depth: 0, requestId: '',
			cameoUserIds: [], cameoConsent: 'none', copyright: false, derivative: false, appeal: rngContent.logNormal(1, 0.6)
		});
		pools.add(v);
	}

	// ------------------------------------------------------------- billing
	const billing = new Billing(rngBilling, { onPlanChange: (userId, plan) => (byId.get(userId)!.plan = plan) }, Math.floor((story.startMs - 400 * DAY) / 1000));
	const decide = (userId: string, plan: Plan, interval: 'month' | 'year', at: number): 'stay' | 'cancel' | 'downgrade' => {
		const u = byId.get(userId)!;
		const day = Math.floor((at * 1000 - story.startMs) / DAY);
		const worn = rlIntensity(story, u, day) * 0.04;
		if (interval === 'year') return rngBilling.chance(0.2) ? 'cancel' : 'stay';
		const r = rngBilling.next();
		if (plan === 'pro') return r < 0.05 + worn ? 'cancel' : r < 0.11 + worn ? 'downgrade' : 'stay';
		return r < 0.07 + worn ? 'cancel' : 'stay';
	};
	const choosePrice = (u: User): PriceKey => {
		const r = rngBilling.next();
		const pro = u.engagement === 'heavy' && u.creator ? 0.25 : 0.1;
		return r < pro ? 'pro_monthly' : r < pro + 0.14 ? 'plus_yearly' : 'plus_monthly';
	};
	// Subscribers from before the scenario (opening MRR is not zero).
	const preSubs = users
		.filter((u) => !u.internal && u.signupDay < 0 && rngBilling.chance(u.engagement === 'heavy' ? 0.22 : u.engagement === 'regular' ? 0.05 : 0.01))
		.map((u) => ({ u, at: Math.floor((u.signupMs + rngBilling.next() * (story.startMs - u.signupMs)) / 1000) }))
		.sort((a, b) => a.at - b.at);
	for (const { u, at } of preSubs) {
		billing.advanceTo(at, decide);
		if (!billing.activeSubscription(u.id)) billing.subscribe(u.id, choosePrice(u), at, false);
	}
	const refundTarget = Math.max(2, Math.round(opts.users / 1500));
	const creditTarget = Math.max(2, Math.round(opts.users / 1500));
	const pending: { at: number; run: () => void }[] = [];

	// ------------------------------------------------------------- engagement & jobs, day by day
	const impressionFiles = new Map<string, CsvFile<(typeof IMPRESSION_COLUMNS)[number]>>();
	let impressions = 0;
	let impressionSeq = 0;
	let sessionSeq = 0;
	const adEligible = new Map<string, number>();
	let currentFile: CsvFile<(typeof IMPRESSION_COLUMNS)[number]> | undefined;
	const sensitive = (v: Video) => v.copyright || (v.cameoUserIds.length > 0 && v.cameoConsent !== 'granted');

	for (let day = 0; day < story.days; day++) {
		const dayStartMs = story.startMs + day * DAY;
		const dayEndMs = dayStartMs + DAY;
		const month = iso(dayStartMs).slice(0, 7);
		if (opts.engagement !== false && !impressionFiles.has(month)) {
			currentFile = new CsvFile(path(`engagement-${month}.csv`), IMPRESSION_COLUMNS);
			impressionFiles.set(month, currentFile);
		}
		const out = currentFile;
		billing.advanceTo(dayEndMs / 1000, decide);
		pending.sort((a, b) => a.at - b.at);
		while (pending.length && pending[0]!.at < dayEndMs / 1000) pending.shift()!.run();
		pools.expire(dayStartMs);
		const weekday = new Date(dayStartMs).getUTCDay();
		const ctx = {
			rng: rngFeed, pools, dayStartMs, endMs: story.endMs,
			daysSinceModeLaunch: day - story.feedModeLaunchDay,
			modeAdoption: modeAdoption(story, day),
			nextImpressionId: () => `i${(++impressionSeq).toString(36).padStart(8, '0')}`,
			nextSessionId: () => `s${(++sessionSeq).toString(36).padStart(7, '0')}`,
			emit: (line: string) => {
				out!.writeLine(line);
				impressions++;
			},
			isSensitive: sensitive
		};
		const requests: { u: User; at: number }[] = [];
		for (const u of users) {
			if (u.signupMs >= dayEndMs) break;
			const rl = rlIntensity(story, u, day);
			if (!rngFeed.chance(activeProbability(u, day, rl, weekday))) continue;
			const eligible = out ? userDay(ctx, u, rl) : 0;
			if (eligible && u.plan === 'free') {
				const key = `${u.country.code}|${u.platform}`;
				adEligible.set(`${day}|${key}`, (adEligible.get(`${day}|${key}`) ?? 0) + eligible);
			}
			if (u.internal) continue;
			// Generation requests: creators mostly, paid plans much more; the free tier is quota-limited to 3 a day.
			const rate = (u.creator ? 1 : 0.05) * (u.plan === 'pro' ? 4 : u.plan === 'plus' ? 1.6 : 0.5);
			const n = Math.min(u.plan === 'free' ? 3 : 40, rngBilling.poisson(rate));
			for (let k = 0; k < n; k++) requests.push({ u, at: dayStartMs + rngJobs.int(0, DAY - 1) });
			// Conversion, upgrades and the odd refund or service credit.
			const at = Math.floor((dayStartMs + rngBilling.int(0, DAY - 1)) / 1000);
			if (u.plan === 'free') {
				const p = 0.0015 * (u.engagement === 'heavy' ? 2.2 : u.engagement === 'regular' ? 1 : 0.4) * (u.creator ? 1.6 : 0.7) * (day < story.couponUntilDay ? 1.25 : 1);
				if (rngBilling.chance(p) && !billing.activeSubscription(u.id)) {
					const price = choosePrice(u);
					billing.subscribe(u.id, price, at, day < story.couponUntilDay && rngBilling.chance(0.35));
					if (day > 20 && billing.refunds + pending.length < refundTarget && rngBilling.chance(price === 'pro_monthly' ? 0.5 : 0.1)) {
						pending.push({ at: at + 2 * 86_400 + 3_600, run: () => void billing.refundLatest(u.id, at + 2 * 86_400 + 3_600) });
					}
				}
			} else if (u.plan === 'plus' && rngBilling.chance(u.creator ? 0.0012 : 0.0004)) {
				billing.upgrade(u.id, at);
			} else if (day > 100 && billing.creditNotes < creditTarget && rngBilling.chance(0.01)) {
				billing.creditLatest(u.id, at, 1000);
			}
		}

		// User generations (jobs → videos), then internal and eval jobs, then feed pre-generation fills the rest.
		requests.sort((a, b) => a.at - b.at || a.u.index - b.u.index);
		let usedGpuHours = 0;
		const born: Video[] = [];
		for (const { u, at } of requests) {
			const spec: ModelSpec = u.plan === 'pro' ? MODELS.pro : u.plan === 'plus' ? MODELS.plus : MODELS.free;
			const human = rngContent.chance(0.18);
			if (human) {
				born.push(userVideo(u, at, '', 'human', day));
				continue;
			}
			const outcome = runRequest(rngJobs, {
				requestId: nextRequestId(), nextJobId, userId: u.id, purpose: 'user', spec, startMs: at,
				outputSeconds: rngJobs.pick([5, 8, 10, 10, 12, 15, 20]), cluster: pickCluster(rngJobs, fleet, at, story), rates: USER_RATES
			});
			usedGpuHours += outcome.gpuHours;
			// Most successful generations are published; some are kept private.
			if (outcome.success && rngContent.chance(0.9)) {
				const v = userVideo(u, outcome.success.endedMs + rngContent.int(2_000, 60_000), outcome.success.request_id, 'ai_assisted', day);
				outcome.success.video_id = v.id;
				born.push(v);
			}
			writeJobs(outcome.jobs);
		}
		for (const u of users) {
			if (!u.internal || u.bot || u.signupMs >= dayStartMs) continue;
			for (let k = rngJobs.chance(0.5) ? 1 : 0; k > 0; k--) usedGpuHours += systemJob('internal', u.id, MODELS.internal, dayStartMs + rngJobs.int(0, DAY - 1), rngJobs.pick([10, 20, 30]));
		}
		for (let k = rngJobs.int(2, 4); k > 0; k--) usedGpuHours += systemJob('eval', '', MODELS.eval, dayStartMs + rngJobs.int(0, DAY - 1), rngJobs.pick([10, 15, 20]));

		// Feed pre-generation: keeps the fleet busy up to a target utilization; much of it is never watched.
		const target = 0.6 + 0.08 * Math.sin(day / 9) + 0.04 * rngJobs.next();
		const budget = provisionedGpuHours(fleet, dayStartMs, dayEndMs) * target - usedGpuHours;
		for (let spent = 0; spent < budget; ) {
			const at = dayStartMs + rngJobs.int(0, DAY - 1);
			const topic = rngContent.weightedIndex(TOPICS.map((t) => t.weight));
			const spec = rngJobs.chance(0.6) ? MODELS.prefillHd : MODELS.prefill;
			const outcome = runRequest(rngJobs, {
				requestId: nextRequestId(), nextJobId, userId: '', purpose: 'feed_prefill', spec, startMs: at,
				outputSeconds: rngJobs.pick([15, 20, 25, 30]), cluster: pickCluster(rngJobs, fleet, at, story), rates: SYSTEM_RATES
			});
			spent += outcome.gpuHours;
			if (outcome.success) {
				const v = prefillVideo(topic, outcome.success.endedMs + rngContent.int(1_000, 30_000), outcome.success.request_id, day);
				outcome.success.video_id = v.id;
				born.push(v);
			}
			writeJobs(outcome.jobs);
		}
		for (const v of born.sort((a, b) => a.createdMs - b.createdMs || a.index - b.index)) pools.add(v);
		if (day % 30 === 29 || day === story.days - 1) opts.onProgress?.(`generated ${story.date(day)}: ${impressions.toLocaleString('en-US')} impressions, ${videos.length.toLocaleString('en-US')} videos, ${jobSeq.toLocaleString('en-US')} jobs`);
	}

	function systemJob(purpose: Purpose, userId: string, spec: ModelSpec, at: number, seconds: number): number {
		const outcome = runRequest(rngJobs, {
			requestId: nextRequestId(), nextJobId, userId, purpose, spec, startMs: at, outputSeconds: seconds,
			cluster: pickCluster(rngJobs, fleet, at, story), rates: SYSTEM_RATES
		});
		writeJobs(outcome.jobs);
		return outcome.gpuHours;
	}

	function userVideo(u: User, createdMs: number, requestId: string, kind: 'human' | 'ai_assisted', day: number): Video {
		const topic = rngContent.chance(0.7) ? u.favorites[0]! : rngContent.weightedIndex(TOPICS.map((t) => t.weight));
		const c = chase(day);
		const parent = rngContent.chance(0.14 + 0.06 * c) ? pools.pick(rngContent, topic, rngContent.chance(0.5), 2, 0.6 * c) : undefined;
		let cameoUserIds: string[] = [];
		let cameoConsent: Video['cameoConsent'] = 'none';
		if (parent && parent.cameoUserIds.length) {
			// Remixing someone's cameo: their likeness travels with the remix, consent does not always.
			cameoUserIds = parent.cameoUserIds;
			cameoConsent = cameoUserIds.includes(u.id) || rngContent.chance(0.55) ? 'granted' : 'none';
		} else if (!parent && rngContent.chance(0.12)) {
			cameoUserIds = rngContent.chance(0.25) ? [u.id, users[rngContent.int(0, users.length - 1)]!.id] : [u.id];
			cameoConsent = 'granted';
		}
		return addVideo({
			createdMs, creatorId: u.id, creatorKind: kind, durationMs: videoDurationMs(rngContent), topic: parent?.topic ?? topic,
			caption: parent ? remixCaption(rngContent, parent.caption) : originalCaption(rngContent, topic),
			parent: parent?.index ?? -1, depth: parent ? parent.depth + 1 : 0, requestId, cameoUserIds: [...new Set(cameoUserIds)], cameoConsent,
			copyright: rngContent.chance(parent ? 0.025 + 0.04 * c : 0.008), derivative: !!parent,
			appeal: rngContent.logNormal(1, 0.6) * (parent ? 1.1 : 1)
		});
	}

	function prefillVideo(topic: number, createdMs: number, requestId: string, day: number): Video {
		const c = chase(day);
		let trend: Trend | undefined;
		if (rngContent.chance(0.1 + 0.08 * c)) {
			const live = trends.filter((t) => t.topic === topic && createdMs - t.startedMs < 10 * DAY);
			trend = live.length && rngContent.chance(0.8) ? rngContent.pick(live) : newTrend(rngContent, topic, createdMs);
			if (!live.includes(trend)) trends.push(trend);
		}
		const copies = trend ? (trendCopies.get(trend) ?? 0) : 0;
		if (trend) trendCopies.set(trend, copies + 1);
		return addVideo({
			createdMs, creatorId: rngContent.pick(studios[topic]!), creatorKind: 'ai_generated', durationMs: videoDurationMs(rngContent), topic,
			caption: trend ? trendCaption(rngContent, trend) : originalCaption(rngContent, topic), parent: -1, depth: 0, requestId,
			cameoUserIds: [], cameoConsent: 'none', copyright: rngContent.chance(trend ? 0.04 : 0.005), derivative: copies > 0,
			appeal: rngContent.logNormal(0.8, 0.6) * (trend ? 1.15 : 1)
		});
	}

	for (const f of [...impressionFiles.values()]) {
		f.close();
		files.push({ source: 'engagement', path: f.path, rows: f.rows });
	}
	for (const f of [...videoFileList].sort((a, b) => (a.path < b.path ? -1 : 1))) {
		f.close();
		files.push({ source: 'videos', path: f.path, rows: f.rows });
	}
	jobsFile.close();

	// Cameo consent revocations: a few people featured in many videos withdraw consent; a later file
	// re-states those videos with cameo_consent "revoked" since consent_changed_at, so their
	// impressions before that moment still count as consented (the consent history).
	const revocations = new NdjsonFile(path('videos-consent-revocations.ndjson'));
	const revokers = [...cameoVideos.entries()].filter(([, list]) => list.length >= 3).sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
	const revokeCount = Math.max(2, Math.round(opts.users / 800));
	for (const [userId, list] of revokers.slice(0, revokeCount * 3).filter(() => rngContent.chance(0.34)).slice(0, revokeCount)) {
		const atMs = story.startMs + rngContent.int(story.revocationsFromDay, story.days - 5) * DAY;
		for (const i of list) {
			const v = videos[i]!;
			if (v.createdMs >= atMs || v.cameoConsent === 'revoked') continue;
			v.cameoConsent = 'revoked';
			revocations.write({ ...videoRow(v, videos), consent_changed_at: iso(atMs), cameo_revoked_by: userId });
		}
	}
	revocations.close();
	files.push({ source: 'videos', path: revocations.path, rows: revocations.rows });
	files.push({ source: 'generation_jobs', path: jobsFile.path, rows: jobsFile.rows });

	// The rest of the story's billing, then the beats (their accounts must exist before users.csv names them).
	billing.advanceTo(story.endMs / 1000, decide);
	billingBeats(billing, story, users, rngBeats);

	// ------------------------------------------------------------- users (with their Stripe customer) and ad revenue
	const usersFile = new CsvFile(path('users.csv'), ['user_id', 'signup_at', 'stripe_customer_id', 'country', 'is_internal'] as const);
	for (const u of users) {
		usersFile.write({ user_id: u.id, signup_at: iso(u.signupMs), stripe_customer_id: billing.customerOf(u.id), country: u.country.code, is_internal: u.internal });
	}
	usersFile.close();
	files.unshift({ source: 'users', path: usersFile.path, rows: usersFile.rows });

	// Ads run on the free tier's feed, about one per five videos; price per country and platform.
	if (opts.engagement === false) adEligible.clear();
	const adsFile = new CsvFile(path('ad_revenue.csv'), ['date', 'country', 'platform', 'ad_impressions', 'revenue_usd'] as const);
	const adKeys = [...adEligible.keys()].sort((a, b) => {
		const [da, ka] = splitKey(a);
		const [db, kb] = splitKey(b);
		return da - db || (ka < kb ? -1 : ka > kb ? 1 : 0);
	});
	for (const key of adKeys) {
		const [day, rest] = splitKey(key);
		const [country, platform] = rest.split('|') as [string, keyof typeof PLATFORM_CPM];
		const adImpressions = Math.round(adEligible.get(key)! * 0.2);
		if (!adImpressions) continue;
		const cpm = COUNTRIES.find((c) => c.code === country)!.cpm * PLATFORM_CPM[platform] * (0.9 + 0.2 * rngAds.next());
		adsFile.write({ date: story.date(day), country, platform, ad_impressions: adImpressions, revenue_usd: ((adImpressions * cpm) / 1000).toFixed(4) });
	}
	adsFile.close();
	if (opts.engagement !== false) files.push({ source: 'ad_revenue', path: adsFile.path, rows: adsFile.rows });

	const fxFile = new CsvFile(path('fx_rates.csv'), ['date', 'currency', 'usd_per_unit'] as const);
	for (const r of fxRateRows(story, rngForeign)) fxFile.write(r);
	fxFile.close();
	files.push({ source: 'fx_rates', path: fxFile.path, rows: fxFile.rows });

	const stripeFile = new NdjsonFile(path('stripe-events.ndjson'));
	for (const e of byCreated(billing.sortedEvents(), foreignBillingEvents(story, rngForeign))) stripeFile.write(e);
	stripeFile.close();
	files.push({ source: 'stripe_events', path: stripeFile.path, rows: stripeFile.rows });
	const paying = new Set(users.filter((u) => billing.customerOf(u.id)).map((u) => u.id));
	return { files, impressions, story, users, videos, paying };
}

/**
 * BILLING_BEATS: one account each for the subscription changes that come
 * without an invoice (a downgrade and an upgrade without proration, a forever
 * coupon, a trial, a pause), on users who never subscribed in the story, so
 * nothing else the story drew changes. Their generation volume was drawn as
 * free users: these accounts exist for the Revenue page's MRR, not for usage.
 */
function billingBeats(billing: Billing, story: Story, users: User[], rng: Random): void {
	const beats = BILLING_BEATS;
	if (story.days < 2 * beats.pause.startsDaysBeforeEnd) return;
	const endS = story.endMs / 1000;
	const dayS = (daysBeforeEnd: number) => endS - daysBeforeEnd * 86_400 + rng.int(3_600, 20 * 3_600);
	const free = users.filter((u) => !u.internal && !billing.customerOf(u.id) && u.signupMs < story.startMs);
	const pick = () => free.splice(rng.int(0, free.length - 1), 1)[0]!;
	// Each beat is a small script; running them in time order keeps every subscription's renewals in sequence.
	type Step = { at: number; run: () => void };
	const steps: Step[] = [];
	const stay = () => 'stay' as const;
	const script = (...list: Step[]) => steps.push(...list);
	const a = pick(), b = pick(), c = pick(), d = pick(), e = pick();
	const aStart = dayS(beats.downgradeNoProration.startsDaysBeforeEnd);
	script({ at: aStart, run: () => billing.subscribe(a.id, 'pro_monthly', aStart, false) });
	const aAt = dayS(beats.downgradeNoProration.daysBeforeEnd);
	script({ at: aAt, run: () => void billing.changePlanWithoutProration(a.id, 'plus_monthly', aAt) });
	const bStart = dayS(beats.upgradeNoProration.startsDaysBeforeEnd);
	script({ at: bStart, run: () => billing.subscribe(b.id, 'plus_monthly', bStart, false) });
	const bAt = dayS(beats.upgradeNoProration.daysBeforeEnd);
	script({ at: bAt, run: () => void billing.changePlanWithoutProration(b.id, 'pro_monthly', bAt) });
	const cStart = dayS(beats.foreverCoupon.startsDaysBeforeEnd);
	script({ at: cStart, run: () => billing.subscribe(c.id, 'plus_monthly', cStart, false) });
	const cAt = dayS(beats.foreverCoupon.daysBeforeEnd);
	script({ at: cAt, run: () => void billing.addForeverCoupon(c.id, cAt) });
	// The trial starts at midnight so that it converts on its day, 14 days later.
	const dStart = endS - beats.trial.startsDaysBeforeEnd * 86_400;
	script({ at: dStart, run: () => billing.subscribeWithTrial(d.id, 'pro_monthly', dStart, beats.trial.startsDaysBeforeEnd - beats.trial.daysBeforeEnd) });
	const eStart = dayS(beats.pause.startsDaysBeforeEnd);
	script({ at: eStart, run: () => billing.subscribe(e.id, 'plus_monthly', eStart, false) });
	const ePause = dayS(beats.pause.daysBeforeEnd);
	const eResume = dayS(beats.pause.resumesDaysBeforeEnd);
	script({ at: ePause, run: () => void billing.setPaused(e.id, true, ePause) }, { at: eResume, run: () => void billing.setPaused(e.id, false, eResume) });
	billing.useRandom(rng);
	for (const step of steps.sort((x, y) => x.at - y.at)) {
		billing.advanceTo(step.at, stay);
		step.run();
	}
	billing.advanceTo(endS, stay);
}

function splitKey(key: string): [number, string] {
	const i = key.indexOf('|');
	return [Number(key.slice(0, i)), key.slice(i + 1)];
}

function videoRow(v: Video, videos: Video[]) {
	return {
		video_id: v.id, created_at: iso(v.createdMs), creator_id: v.creatorId, creator_kind: v.creatorKind, duration_ms: v.durationMs,
		topic: TOPICS[v.topic]!.name, caption: v.caption, remix_of: v.parent >= 0 ? videos[v.parent]!.id : '', request_id: v.requestId,
		cameo_user_ids: v.cameoUserIds, cameo_consent: v.cameoConsent, copyright_flag: v.copyright
	};
}

function jobRow(j: JobRow) {
	return {
		job_id: j.job_id, request_id: j.request_id, user_id: j.user_id, purpose: j.purpose, model: j.model, resolution: j.resolution,
		output_seconds: j.output_seconds, cluster: j.cluster, gpu_type: j.gpu_type, gpu_count: j.gpu_count,
		started_at: iso(j.startedMs), ended_at: iso(j.endedMs), status: j.status, video_id: j.video_id
	};
}

/** Two event lists, each in time order, merged into one (ties: the first list's events first), as Stripe lists them. */
function byCreated(a: object[], b: object[]): object[] {
	const created = (e: object) => (e as { created: number }).created;
	const out: object[] = [];
	let j = 0;
	for (const e of a) {
		while (j < b.length && created(b[j]!) < created(e)) out.push(b[j++]!);
		out.push(e);
	}
	return out.concat(b.slice(j));
}
