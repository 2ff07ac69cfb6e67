/**
 * Seeded pseudo-random numbers for the demo scenario. Same seed → same
 * sequence on every machine and Node version: sfc32 (32-bit integer arithmetic
 * only), seeded through splitmix32 so that nearby seeds diverge at once.
 * Never Math.random: the determinism test hashes the generated files.
 */
export class Random {
	private a: number;
	private b: number;
	private c: number;
	private d: number;

	constructor(seed: number) {
		let s = seed >>> 0;
		const next = () => {
			s = (s + 0x9e3779b9) >>> 0;
			let z = s;
			z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
			z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
			return (z ^ (z >>> 16)) >>> 0;
		};
		this.a = next();
		this.b = next();
		this.c = next();
		this.d = next();
		for (let i = 0; i < 12; i++) this.uint32();
	}

	/** A child stream: lets one part of the story draw more numbers without shifting the others. */
	fork(salt: number): Random {
		return new Random((this.uint32() ^ Math.imul(salt + 1, 0x27d4eb2d)) >>> 0);
	}

	uint32(): number {
		const t = (((this.a + this.b) | 0) + this.d) | 0;
		this.d = (this.d + 1) | 0;
		this.a = this.b ^ (this.b >>> 9);
		this.b = (this.c + (this.c << 3)) | 0;
		this.c = (this.c << 21) | (this.c >>> 11);
		this.c = (this.c + t) | 0;
		return t >>> 0;
	}

	/** Uniform in [0, 1). */
	next(): number {
		return this.uint32() / 4294967296;
	}

	/** Integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}

	chance(p: number): boolean {
		return this.next() < p;
	}

	pick<T>(items: readonly T[]): T {
		return items[Math.floor(this.next() * items.length)]!;
	}

	/** Index drawn with the given (unnormalized) weights. */
	weightedIndex(weights: readonly number[]): number {
		let total = 0;
		for (const w of weights) total += w;
		let r = this.next() * total;
		for (let i = 0; i < weights.length; i++) {
			r -= weights[i]!;
			if (r < 0) return i;
		}
		return weights.length - 1;
	}

	/** Standard normal (Box–Muller). */
	normal(): number {
		const u = 1 - this.next();
		return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
	}

	/** Log-normal with median `median` and shape `sigma`. */
	logNormal(median: number, sigma: number): number {
		return median * Math.exp(sigma * this.normal());
	}

	exponential(mean: number): number {
		return -mean * Math.log(1 - this.next());
	}

	/** Geometric count ≥ 1 with the given mean. */
	geometric(mean: number): number {
		if (mean <= 1) return 1;
		const p = 1 / mean;
		return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
	}

	poisson(mean: number): number {
		// Knuth; means here are small (sessions per day, requests per day).
		const limit = Math.exp(-mean);
		let k = 0;
		let p = this.next();
		while (p > limit) {
			k++;
			p *= this.next();
		}
		return k;
	}

	/** Random id body of `length` base-62 characters, like Stripe's. */
	token(length: number): string {
		let s = '';
		for (let i = 0; i < length; i++) s += BASE62[this.uint32() % 62];
		return s;
	}
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
