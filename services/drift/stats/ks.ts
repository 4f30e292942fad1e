// Two-sample Kolmogorov-Smirnov test, two-sided, with scipy.stats.ks_2samp's method='auto':
// the exact null distribution when both samples have at most 10 000 values, else the asymptotic
// one (the one-sample distribution of D at n = round(n1·n2/(n1+n2))).
import { kolmogorovSf } from './kolmogorov.js'

export const KS_MAX_EXACT_N = 10000

export interface KsResult {
  statistic: number
  pValue: number
  method: 'exact' | 'asymp'
}

/** Largest |F1(x) - F2(x)| over the pooled values; inputs must be sorted ascending. */
export function ksStatistic (a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n1 = a.length
  const n2 = b.length
  let i = 0
  let j = 0
  let d = 0
  // Step both ECDFs past every copy of the next pooled value (right-continuous, ties together).
  while (i < n1 && j < n2) {
    const x = Math.min(a[i], b[j])
    while (i < n1 && a[i] === x) i++
    while (j < n2 && b[j] === x) j++
    const diff = Math.abs(i / n1 - j / n2)
    if (diff > d) d = diff
  }
  return Math.max(d, i < n1 ? Math.abs(i / n1 - 1) : 0, j < n2 ? Math.abs(1 - j / n2) : 0)
}

export function ks2samp (data1: ArrayLike<number>, data2: ArrayLike<number>): KsResult {
  const a = Float64Array.from(data1).sort()
  const b = Float64Array.from(data2).sort()
  const n1 = a.length
  const n2 = b.length
  if (n1 === 0 || n2 === 0) throw new RangeError('ks2samp needs two non-empty samples')
  const d = ksStatistic(a, b)
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const exact = exactTwoSided(n1, n2, d)
    if (exact !== null) return { ...exact, method: 'exact' }
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1]
  return { statistic: d, pValue: kolmogorovSf(Math.round(m * n / (m + n)), d), method: 'asymp' }
}

function gcd (a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** P(D >= d) under H0 by counting lattice paths; D is snapped to the grid h/lcm(n1, n2). */
function exactTwoSided (n1: number, n2: number, d: number): { statistic: number, pValue: number } | null {
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = Math.round(d * lcm)
  const statistic = h / lcm
  if (h === 0) return { statistic, pValue: 1 }
  const p = n1 === n2 ? outsideSquare(n1, h) : outsideBand(n1, n2, h * g)
  if (!(p >= 0 && p <= 1)) return null
  return { statistic, pValue: p }
}

/**
 * Equal sizes: P(D >= h/n) = 2·Σ_k (-1)^(k-1) C(2n, n-kh)/C(2n, n), each ratio built as a running
 * product so no binomial overflows, summed from the smallest term for accuracy.
 */
function outsideSquare (n: number, h: number): number {
  const ratios: number[] = []
  let ratio = 1
  for (let k = 1; k * h <= n; k++) {
    for (let j = (k - 1) * h; j < k * h; j++) ratio *= (n - j) / (n + j + 1)
    ratios.push(ratio)
  }
  let sum = 0
  for (let k = ratios.length; k >= 1; k--) sum += (k % 2 === 1 ? 1 : -1) * ratios[k - 1]
  return 2 * sum
}

/**
 * Unequal sizes: the share of monotone paths (0,0)->(n1,n2) that stay strictly inside the band
 * |i·n2 - j·n1| < bound, by the recurrence u(i,j) = i/(i+j)·u(i-1,j) + j/(i+j)·u(i,j-1) whose
 * values are probabilities (no overflow); O(n1·n2) time, O(n2) memory.
 */
function outsideBand (n1: number, n2: number, bound: number): number {
  const u = new Float64Array(n2 + 1)
  for (let j = 0; j <= n2; j++) u[j] = Math.abs(j * n1) < bound ? 1 : 0
  for (let i = 1; i <= n1; i++) {
    const inI = i * n2
    u[0] = inI < bound ? u[0] : 0
    for (let j = 1; j <= n2; j++) {
      u[j] = Math.abs(inI - j * n1) < bound ? (i * u[j] + j * u[j - 1]) / (i + j) : 0
    }
  }
  return 1 - u[n2]
}
