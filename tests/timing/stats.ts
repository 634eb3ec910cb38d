// Comparing timing distributions (tests/timing): robust to load on a shared machine because the
// groups are sampled interleaved and compared by rank, not by single timings.

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** P(a < b) + ½ P(a = b) over all pairs: the Mann-Whitney U statistic, normalised (0.5: indistinguishable). */
export function probabilityLess(a: number[], b: number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  let rankSumA = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.g === 0) rankSumA += rank;
    i = j;
  }
  const u = rankSumA - (a.length * (a.length + 1)) / 2;
  return 1 - u / (a.length * b.length);
}

/**
 * Every group against `reference`, on two robust views of the distributions:
 *  • P(reference < group) (Mann-Whitney) within 0.5 ± 0.1 — its standard error is ~0.026 at 250
 *    samples a side, so noise alone fails it about once in 10⁴ runs;
 *  • the 25th percentiles within 2 ms or 5 %, whichever is larger — the lower quantiles are what an
 *    attacker compares (load only ever adds time), and they move far less with load than the mean
 *    or the median.
 */
export function compareGroups<G extends string>(times: Record<G, number[]>, reference: G, only?: G[]): { report: string[]; problems: string[] } {
  const groups = Object.keys(times) as G[];
  const report = groups.map((g) => `${g}: p25 ${quantile(times[g], 0.25).toFixed(1)} ms, median ${median(times[g]).toFixed(1)}, p10 ${quantile(times[g], 0.1).toFixed(1)}, p90 ${quantile(times[g], 0.9).toFixed(1)}`);
  const problems: string[] = [];
  for (const g of (only ?? groups).filter((x) => x !== reference)) {
    const p = probabilityLess(times[reference], times[g]);
    const diff = quantile(times[g], 0.25) - quantile(times[reference], 0.25);
    report.push(`P(${reference} < ${g}) = ${p.toFixed(3)}, p25 difference ${diff.toFixed(2)} ms`);
    if (Math.abs(p - 0.5) > 0.1) problems.push(`${g}: P(${reference} < ${g}) = ${p.toFixed(3)} (separable)`);
    if (Math.abs(diff) > Math.max(2, 0.05 * quantile(times[reference], 0.25))) problems.push(`${g}: 25th percentiles differ by ${diff.toFixed(2)} ms`);
  }
  return { report, problems };
}
