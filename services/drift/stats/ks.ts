// Two-sample Kolmogorov-Smirnov test, two-sided, with scipy.stats.ks_2samp's method='auto':
// the exact null distribution when both samples have at most 10 000 values, else the asymptotic
// one (the one-sample distribution of D at n = round(n1·n2/(n1+n2))). Both exact forms are
// computed as scipy does, as sums and products of positive terms, so that a p-value keeps its
// relative precision down to the smallest doubles (no 1 - P subtraction).
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
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) return { ...exactTwoSided(n1, n2, d), method: 'exact' }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1]
  return { statistic: d, pValue: kolmogorovSf(Math.round(m * n / (m + n)), d), method: 'asymp' }
}

function gcd (a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b]
  return a
}

/** P(D >= d) under H0 by counting lattice paths; D is snapped to the grid h/lcm(n1, n2). */
export function exactTwoSided (n1: number, n2: number, d: number): { statistic: number, pValue: number } {
  const g = gcd(n1, n2)
  const lcm = (n1 / g) * n2
  const h = Math.round(d * lcm)
  const statistic = h / lcm
  if (h === 0) return { statistic, pValue: 1 }
  const p = n1 === n2 ? outsideSquare(n1, h) : outsideBand(n1, n2, g, h)
  return { statistic, pValue: Math.min(1, Math.max(0, p)) }
}

/**
 * Equal sizes: P(D >= h/n) = 2·Σ_k (-1)^(k-1) C(2n, n-kh)/C(2n, n), in the nested (Horner) form
 * scipy uses, 2·A0·(1 - A1·(1 - A2·(...))), where A_k = C(2n, n-(k+1)h)/C(2n, n-kh) is a product
 * of h ratios below 1: no term overflows and the alternation never cancels the leading one.
 */
export function outsideSquare (n: number, h: number): number {
  let p = 0
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1
    for (let j = 0; j < h; j++) a = (n - k * h - j) * a / (n + k * h + j + 1)
    p = a * (1 - p)
  }
  return 2 * p
}

/**
 * Unequal sizes: the share of monotone lattice paths (0,0)->(m,n) that leave the band
 * |i·n/g - j·m/g| < h at some point. Viehmann's recursion (arXiv:2102.08037, scipy's
 * `_compute_outer_prob_inside_method`) carries that share itself, not its complement:
 * q(i,j) = 1 outside the band, else (i·q(i-1,j) + j·q(i,j-1))/(i+j), a mean of positive terms.
 * One column of q is kept, and only its window inside the band is recomputed.
 */
export function outsideBand (n1: number, n2: number, g: number, h: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1]
  const mg = m / g
  const ng = n / g
  const q = new Float64Array(n + 1).fill(1)
  // Column i = 0: inside the band while j·mg < h.
  let minj = 0
  let maxj = Math.min(Math.ceil(h / mg), n + 1)
  q.fill(0, 0, maxj)
  for (let i = 1; i <= m; i++) {
    const lastMinj = minj
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n)
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1)
    if (maxj <= minj) return 1
    // Rows that fell below the band since the last column have been left: share 1.
    q.fill(1, lastMinj, minj)
    let below = minj === 0 ? 0 : 1
    for (let j = minj; j < maxj; j++) {
      below = (q[j] * i + below * j) / (i + j)
      q[j] = below
    }
  }
  return q[n]
}
