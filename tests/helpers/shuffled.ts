/** xs in an order fixed by seed (Fisher–Yates over a linear congruential generator): the same shuffle on every run. */
export function shuffled<X>(xs: readonly X[], seed: number): X[] {
	const a = [...xs];
	let s = seed;
	for (let i = a.length - 1; i > 0; i--) {
		s = (s * 1103515245 + 12345) % 2 ** 31;
		const j = s % (i + 1);
		[a[i], a[j]] = [a[j]!, a[i]!];
	}
	return a;
}
