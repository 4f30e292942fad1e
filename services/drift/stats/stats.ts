// The other drift statistics Evidently uses by default (mlops.md §1.4, §2.2-2.6): chi-square,
// two-proportion Z, normalised Wasserstein, Jensen-Shannon distance, PSI, and Evidently's binning.
// p-values come from stdlib's regularised incomplete gamma and normal CDF.
import gammainc from '@stdlib/math-base-special-gammainc'
import normalCdf from '@stdlib/stats-base-dists-normal-cdf'

export interface ChiSquareResult { statistic: number, pValue: number, dof: number }

/**
 * Chi-square test of homogeneity on the 2×k table (reference counts, current counts), as
 * scipy.stats.chi2_contingency: expected = row total × column total / N, dof = k - 1, and Yates'
 * continuity correction when dof is 1 (its default). Categories absent from both are ignored.
 */
export function chiSquareHomogeneity (reference: number[], current: number[], correction = true): ChiSquareResult {
  const cols: Array<[number, number]> = []
  reference.forEach((r, c) => { if (r + current[c] > 0) cols.push([r, current[c]]) })
  const dof = cols.length - 1
  if (dof <= 0) return { statistic: 0, pValue: 1, dof: 0 }
  const rowTotals = [0, 0]
  for (const [r, c] of cols) { rowTotals[0] += r; rowTotals[1] += c }
  const total = rowTotals[0] + rowTotals[1]
  let statistic = 0
  for (const col of cols) {
    const colTotal = col[0] + col[1]
    for (let row = 0; row < 2; row++) {
      const expected = rowTotals[row] * colTotal / total
      let diff = Math.abs(col[row] - expected)
      if (correction && dof === 1) diff = Math.max(0, diff - Math.min(0.5, diff))
      statistic += diff * diff / expected
    }
  }
  return { statistic, pValue: gammainc(statistic / 2, dof / 2, true, true), dof }
}

/**
 * Evidently's "chisquare" stattest: a goodness-of-fit test of the current counts against the
 * reference shares scaled to the current size (f_exp = ref_count · n_cur / n_ref), as
 * scipy.stats.chisquare(f_obs, f_exp), dof = k - 1. A value absent from the reference gives an
 * expected count of 0, an infinite statistic and p = 0, as there.
 */
export function chiSquareGoodnessOfFit (reference: number[], current: number[]): ChiSquareResult {
  const dof = reference.length - 1
  if (dof <= 0) return { statistic: 0, pValue: 1, dof: 0 }
  const nRef = reference.reduce((a, b) => a + b, 0)
  const nCur = current.reduce((a, b) => a + b, 0)
  const scale = nCur / nRef
  let statistic = 0
  for (let k = 0; k < reference.length; k++) {
    const expected = reference[k] * scale
    const diff = current[k] - expected
    // Every category was seen in one sample or the other, so an expected 0 has an observed > 0.
    statistic += expected === 0 ? Infinity : diff * diff / expected
  }
  return { statistic, pValue: statistic === Infinity ? 0 : gammainc(statistic / 2, dof / 2, true, true), dof }
}

/** Evidently's two-proportion Z test on a column with at most two values (p = 2·Φ(-|z|)). */
export function zTestProportions (reference: number[], current: number[]): number {
  const keys = [...distinctValues([reference, current])].sort((a, b) => a - b)
  const hits = (xs: number[]) => xs.filter((x) => x === keys[0]).length
  const [n1, n2] = [reference.length, current.length]
  const [p1, p2] = [hits(reference) / n1, hits(current) / n2]
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
  if (pooled === 0 || pooled === 1) return 1
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  return 2 * normalCdf(-Math.abs(z), 0, 1)
}

/** Wasserstein-1 distance between two empirical distributions: ∫|F_u - F_v| dx. */
export function wasserstein (u: ArrayLike<number>, v: ArrayLike<number>): number {
  const a = Float64Array.from(u).sort()
  const b = Float64Array.from(v).sort()
  let i = 0
  let j = 0
  let distance = 0
  let prev = Math.min(a[0], b[0])
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j]
    distance += Math.abs(i / a.length - j / b.length) * (x - prev)
    prev = x
    while (i < a.length && a[i] === x) i++
    while (j < b.length && b[j] === x) j++
  }
  return distance
}

export function populationStd (xs: ArrayLike<number>): number {
  let mean = 0
  for (let i = 0; i < xs.length; i++) mean += xs[i]
  mean /= xs.length
  let ss = 0
  for (let i = 0; i < xs.length; i++) ss += (xs[i] - mean) ** 2
  return Math.sqrt(ss / xs.length)
}

/** Evidently's "Wasserstein distance (normed)": W1 / max(σ_ref, 0.001), σ with ddof 0. */
export function wassersteinNormed (reference: ArrayLike<number>, current: ArrayLike<number>): number {
  return wasserstein(reference, current) / Math.max(populationStd(reference), 0.001)
}

/**
 * numpy's histogram_bin_edges(values, bins='sturges') over the concatenation of `samples`:
 * ⌈log2 N + 1⌉ equal bins over [min, max] (no copy of the samples is made).
 */
export function sturgesEdges (...samples: Array<ArrayLike<number>>): number[] {
  let lo = Infinity
  let hi = -Infinity
  let n = 0
  for (const values of samples) {
    n += values.length
    for (let i = 0; i < values.length; i++) { if (values[i] < lo) lo = values[i]; if (values[i] > hi) hi = values[i] }
  }
  if (lo === hi) return [lo - 0.5, hi + 0.5]
  const bins = Math.ceil(Math.log2(n) + 1)
  return Array.from({ length: bins + 1 }, (_, i) => i === bins ? hi : lo + (hi - lo) * i / bins)
}

/** Counts per bin as numpy.histogram does: half-open bins, the last one closed. */
export function histogram (values: ArrayLike<number>, edges: number[]): number[] {
  const bins = edges.length - 1
  const counts = new Array<number>(bins).fill(0)
  const [lo, hi] = [edges[0], edges[bins]]
  for (let i = 0; i < values.length; i++) {
    const x = values[i]
    if (x < lo || x > hi) continue
    let k = Math.min(bins - 1, Math.floor((x - lo) / (hi - lo) * bins))
    if (x < edges[k]) k--
    else if (k < bins - 1 && x >= edges[k + 1]) k++
    counts[k]++
  }
  return counts
}

/**
 * Evidently's get_binned_data: Sturges bins over reference ∪ current for a numeric column with
 * more than 20 distinct reference values, else one bin per distinct value; returns shares.
 */
export function binnedShares (reference: number[], current: number[], numeric: boolean): { reference: number[], current: number[] } {
  if (numeric && distinct([reference]) > 20) {
    const edges = sturgesEdges(reference, current)
    return { reference: shares(histogram(reference, edges)), current: shares(histogram(current, edges)) }
  }
  const keys = [...distinctValues([reference, current])].sort((a, b) => a - b)
  const index = new Map(keys.map((k, i) => [k, i]))
  const count = (xs: number[]) => { const c = new Array<number>(keys.length).fill(0); for (const x of xs) c[index.get(x) as number]++; return c }
  return { reference: shares(count(reference)), current: shares(count(current)) }
}

/** Distinct values of several samples together (NaN excluded by the callers' validation). */
export function distinctValues (samples: number[][]): Set<number> {
  const set = new Set<number>()
  for (const xs of samples) for (const x of xs) set.add(x)
  return set
}

export const distinct = (samples: number[][]): number => distinctValues(samples).size

function shares (counts: number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => c / total)
}

/** scipy.spatial.distance.jensenshannon(p, q) with natural log: √(½KL(p‖m) + ½KL(q‖m)). */
export function jensenShannon (p: number[], q: number[]): number {
  const sp = p.reduce((a, b) => a + b, 0)
  const sq = q.reduce((a, b) => a + b, 0)
  let js = 0
  for (let i = 0; i < p.length; i++) {
    const [a, b] = [p[i] / sp, q[i] / sq]
    const m = (a + b) / 2
    if (a > 0) js += a * Math.log(a / m)
    if (b > 0) js += b * Math.log(b / m)
  }
  return Math.sqrt(Math.max(0, js / 2))
}

/** Population stability index Σ (r - c)·ln(r / c), empty bins filled as Evidently does. */
export function psi (reference: number[], current: number[]): number {
  const r = fillZeroes(reference)
  const c = fillZeroes(current)
  let sum = 0
  for (let i = 0; i < r.length; i++) sum += (r[i] - c[i]) * Math.log(r[i] / c[i])
  return sum
}

function fillZeroes (xs: number[]): number[] {
  const nonzero = xs.filter((x) => x > 0)
  const smallest = nonzero.length === 0 ? 0 : Math.min(...nonzero)
  const fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
  return xs.map((x) => x === 0 ? fill : x)
}
