// jstat ships no types; only the two distributions the readout uses are declared.
declare module 'jstat' {
	interface JStat {
		normal: { inv(p: number, mean: number, sd: number): number };
		chisquare: { cdf(x: number, dof: number): number };
	}
	const jStat: JStat;
	export default jStat;
}
