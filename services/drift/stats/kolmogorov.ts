// Survival function of the one-sample two-sided Kolmogorov-Smirnov statistic D_n, P(D_n >= x):
// what scipy's ks_2samp uses for its asymptotic p-value (kstwo.sf(D, round(n1·n2/(n1+n2)))).
// No npm package exports it (stdlib's Marsaglia code is internal), so it is written here, choosing
// between the same algorithms as Simard & L'Ecuyer (2011), J. Stat. Softw. 39(11), so that the
// p-values agree with scipy's well inside 1e-6:
//  - Ruben-Gambino closed forms at the ends (n·x <= 1, n·x >= n-1);
//  - 2·(one-sided Smirnov tail) where the two tails cannot overlap (x >= 0.5) or barely do;
//  - the Durbin matrix (Marsaglia, Tsang & Wang 2003) where it is cheap and exact;
//  - the Pelz-Good asymptotic series where scipy uses it (n > 140, mid-range x).

const SCALE_EXP = 128
const SCALE = 2 ** SCALE_EXP
const INV_SCALE = 2 ** -SCALE_EXP

/** P(D_n >= x) for the two-sided statistic of a sample of size n. */
export function kolmogorovSf (n: number, x: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(x)) return Number.NaN
  if (x >= 1) return 0
  if (x <= 0) return 1
  const t = n * x
  if (t <= 1) {
    if (t <= 0.5) return 1
    return clip(1 - Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1)))
  }
  if (t >= n - 1) return clip(2 * Math.pow(1 - x, n))
  if (x >= 0.5) return clip(2 * smirnovSf(n, x))
  const nx2 = t * x
  if (n <= 140) {
    // Pomeranz's recursion (scipy's choice for 0.754693 < n·x² <= 4) computes the same exact
    // probability as the Durbin matrix, so one exact method serves both ranges.
    if (nx2 <= 4) return clip(1 - durbinCdf(n, x))
    return clip(2 * smirnovSf(n, x))
  }
  if (nx2 >= 370) return 0
  if (nx2 >= 2.2) return clip(2 * smirnovSf(n, x))
  if (n <= 100000 && n * Math.pow(x, 1.5) <= 1.4) return clip(1 - durbinCdf(n, x))
  return clip(1 - pelzGoodCdf(n, x))
}

/** log(2^-1075): exp() of anything below is 0 (cephes MINLOG), where scipy's smirnov answers 0. */
const MIN_LOG = -745.1332191019412
const SMIRNOV_MAX_COMPUTE_N = 1000000

/**
 * Exact one-sided tail P(D_n^+ >= x), Birnbaum & Tingey (1951): x·Σ_j C(n,j)(1-x-j/n)^(n-j)(x+j/n)^(j-1),
 * a sum of positive terms, each formed in log space so that none overflows or underflows early;
 * with scipy.special.smirnov's special cases (n = 1, x >= 1 - 1/n, underflow, n > 10^6).
 */
export function smirnovSf (n: number, x: number): number {
  if (x <= 0) return 1
  if (x >= 1) return 0
  if (n === 1) return 1 - x
  if (-2 * n * x * x < MIN_LOG) return 0
  if (n * x >= n - 1) return Math.pow(1 - x, n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp) // sf = 1 - cdf, cdf = -expm1
  }
  const last = Math.floor(n * (1 - x) + 1e-12)
  let logBinom = 0 // log C(n, j)
  let sum = 0
  for (let j = 0; j <= last; j++) {
    if (j > 0) logBinom += Math.log((n - j + 1) / j)
    const a = 1 - x - j / n
    if (a <= 0) continue // n·x integer: the last term is 0
    sum += Math.exp(logBinom + (n - j) * Math.log(a) + (j - 1) * Math.log(x + j / n))
  }
  return clip(x * sum)
}

/** log(n! / n^n) by Stirling's series with n·log(n) removed analytically (no cancellation). */
function logFactorialOverPower (n: number): number {
  if (n <= 170) {
    let s = 0
    for (let i = 1; i <= n; i++) s += Math.log(i / n)
    return s
  }
  const r = 1 / n
  const r2 = r * r
  // Bernoulli terms B_2j / (2j(2j-1) n^(2j-1)) for j = 1..4.
  const series = r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 / 1680)))
  return 0.5 * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + series
}

/** P(D_n < x) by the Durbin matrix method: the (k,k) entry of H^n times n!/n^n. */
export function durbinCdf (n: number, x: number): number {
  if (x >= 1) return 1
  const nx = n * x
  if (nx <= 0.5) return 0
  const k = Math.ceil(nx)
  const h = k - nx
  const m = 2 * k - 1
  const invFact = new Float64Array(m + 2)
  invFact[0] = 1
  for (let i = 1; i <= m + 1; i++) invFact[i] = invFact[i - 1] / i
  const H = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) if (i - j + 1 >= 0) H[i * m + j] = invFact[i - j + 1]
  }
  for (let i = 0; i < m; i++) {
    H[i * m] -= Math.pow(h, i + 1) * invFact[i + 1]
    H[(m - 1) * m + i] -= Math.pow(h, m - i) * invFact[m - i]
  }
  if (2 * h - 1 > 0) H[(m - 1) * m] += Math.pow(2 * h - 1, m) * invFact[m]

  const centre = (k - 1) * m + (k - 1)
  let result: Float64Array<ArrayBuffer> | null = null
  let resultExp = 0
  let power: Float64Array<ArrayBuffer> = H
  let powerExp = 0
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      result = result === null ? power.slice() : multiply(result, power, m)
      resultExp += powerExp
      if (Math.abs(result[centre]) > SCALE) { scaleDown(result); resultExp += SCALE_EXP }
    }
    if (e > 1) {
      power = multiply(power, power, m)
      powerExp *= 2
      if (Math.abs(power[centre]) > SCALE) { scaleDown(power); powerExp += SCALE_EXP }
    }
  }
  let p = (result as Float64Array)[centre]
  let exp = resultExp
  for (let i = 1; i <= n; i++) {
    p = p * i / n
    if (Math.abs(p) < INV_SCALE) { p *= SCALE; exp -= SCALE_EXP }
  }
  return clip(p * Math.pow(2, exp))
}

function scaleDown (a: Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] *= INV_SCALE
}

function multiply (a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]
      if (ail === 0) continue
      const rowB = l * m
      const rowOut = i * m
      for (let j = 0; j < m; j++) out[rowOut + j] += ail * b[rowB + j]
    }
  }
  return out
}

/**
 * Pelz & Good (1976) expansion P(D_n < x) ~ K0(z) + K1(z)/√n + K2(z)/n + K3(z)/n^1.5, z = x√n,
 * in the theta-function form that converges fast for small z (Simard & L'Ecuyer 2011, eq. 10).
 */
export function pelzGoodCdf (n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z * z
  const z4 = z2 * z2
  const z6 = z4 * z2
  const pi2 = Math.PI * Math.PI
  const pi4 = pi2 * pi2
  const pi6 = pi4 * pi2
  if (-pi2 / 8 / z2 < -708) return 0
  const terms = Math.ceil(16 * z / Math.PI)
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  for (let k = terms; k >= 1; k--) {
    const m = 2 * k - 1
    const m2 = m * m
    const w = Math.exp(-pi2 * m2 / (8 * z2))
    s0 += w
    s1 += (pi2 * m2 / 4 - z2) * w
    s2 += (6 * z6 + 2 * z4 + pi2 * (2 * z4 - 5 * z2) * m2 / 4 + pi4 * (1 - 2 * z2) * m2 * m2 / 16) * w
    s3 += (pi6 * (5 - 30 * z2) * m2 * m2 * m2 / 64 + pi4 * (212 * z4 - 60 * z2) * m2 * m2 / 16 +
      pi2 * (135 * z4 - 96 * z6) * m2 / 4 - 30 * z6 - 90 * z4 * z4) * w
  }
  let e2 = 0
  let e3 = 0
  for (let k = terms; k >= 1; k--) {
    const k2 = k * k
    const w = k2 * Math.exp(-pi2 * k2 / (2 * z2))
    e2 += w
    e3 += (3 * z2 - pi2 * k2) * w
  }
  const root = Math.sqrt(2 * Math.PI)
  const K0 = root * s0 / z
  const K1 = root * s1 / (6 * z4)
  const K2 = root * s2 / (72 * z6 * z) - pi2 * root * e2 / (36 * z2 * z)
  const K3 = root * s3 / (6480 * z6 * z4) + pi2 * root * e3 / (216 * z6)
  return K0 + K1 / Math.sqrt(n) + K2 / n + K3 / (n * Math.sqrt(n))
}

function clip (p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p
}
