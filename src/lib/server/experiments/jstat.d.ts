// jstat ships no types; only the distributions used are declared (the readout; Student t for the finance forecast).
declare module 'jstat' {
	interface JStat {
		normal: { inv(p: number, mean: number, sd: number): number };
		chisquare: { cdf(x: number, dof: number): number };
		studentt: { inv(p: number, dof: number): number };
	}
	const jStat: JStat;
	export default jStat;
}
