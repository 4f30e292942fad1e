// Our drift statistics against scipy/numpy on the same fixed vectors (test/python/drift_parity.py).
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runPythonJson } from '../../../helpers/python.js'
import { projectRoot } from '../../../../services/lib/project-root.js'
import { exactTwoSided, ks2samp } from '../../../../services/drift/stats/ks.js'
import { kolmogorovSf } from '../../../../services/drift/stats/kolmogorov.js'
import { chiSquareGoodnessOfFit, chiSquareHomogeneity, histogram, jensenShannon, sturgesEdges, wasserstein, wassersteinNormed, zTestProportions } from '../../../../services/drift/stats/stats.js'

interface Parity {
  versions: Record<string, string>
  ks: Array<{ name: string, a: number[], b: number[], statistic: number, pvalue: number, method: 'exact' | 'asymp' }>
  kstwo: Array<{ n: number, x: number, sf: number }>
  chi2: Array<{ reference: number[], current: number[], statistic: number, pvalue: number, dof: number }>
  chi2gof: Array<{ reference: number[], current: number[], statistic: number, pvalue: number }>
  wasserstein: Array<{ u: number[], v: number[], distance: number, std_u: number }>
  jensenshannon: Array<{ p: number[], q: number[], distance: number }>
  histogram: Array<{ values: number[], edges: number[], counts: number[] }>
  ztest: Array<{ reference: number[], current: number[], pvalue: number }>
}

const py = await runPythonJson<Parity>(join(projectRoot, 'test', 'python', 'drift_parity.py'))
t.comment(`scipy ${py.versions.scipy}, numpy ${py.versions.numpy}`)
const close = (t: Test, actual: number, expected: number, tol: number, what: string) =>
  t.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (|diff| ${Math.abs(actual - expected).toExponential(2)} <= ${tol})`)

/**
 * Relative error where scipy's p is a normal double (>= 1e-300); below that (scipy answers 0 or a
 * subnormal) ours must be below 1e-300 as well.
 */
const relClose = (t: Test, actual: number, expected: number, what: string) => {
  if (expected >= 1e-300) {
    const rel = Math.abs(actual - expected) / expected
    return t.ok(rel <= 1e-6, `${what}: ${actual} vs ${expected} (relative error ${rel.toExponential(2)} <= 1e-6)`)
  }
  return t.ok(actual >= 0 && actual < 1e-300, `${what}: ${actual} vs scipy ${expected}: both below 1e-300`)
}

t.test('two-sample KS: statistic within 1e-9, p-value within 1e-6 RELATIVE down to 1e-300, same method as ks_2samp(method="auto")', async (t) => {
  t.same(py.ks.map((c) => c.method).filter((m) => m === 'asymp').length, 7, 'seven cases beyond 10 000 rows')
  const tiny = py.ks.filter((c) => c.pvalue > 0 && c.pvalue < 1e-250)
  t.ok(tiny.some((c) => c.method === 'exact' && c.a.length !== c.b.length), 'an unequal-size exact case below 1e-250')
  t.ok(tiny.some((c) => c.method === 'exact' && c.a.length === c.b.length), 'an equal-size exact case below 1e-250')
  t.ok(py.ks.some((c) => c.method === 'asymp' && c.pvalue > 0 && c.pvalue < 1e-150), 'an asymptotic case below 1e-150')
  let worst = 0
  for (const c of py.ks) {
    const r = ks2samp(c.a, c.b)
    t.equal(r.method, c.method, `${c.name}: ${c.method}`)
    close(t, r.statistic, c.statistic, 1e-9, `${c.name} D`)
    relClose(t, r.pValue, c.pvalue, `${c.name} p`)
    if (c.pvalue >= 1e-300) worst = Math.max(worst, Math.abs(r.pValue - c.pvalue) / c.pvalue)
  }
  t.comment(`worst relative error of the KS p-values: ${worst.toExponential(2)}`)
  t.equal(exactTwoSided(2, 3, 1 / 6).pValue, 1, 'D = 1/lcm: every path leaves the band, p = 1 (scipy returns 1.0 there too)')
  t.throws(() => ks2samp([], [1]), /two non-empty samples/)
})

t.test('Kolmogorov distribution kstwo.sf over every branch (Ruben-Gambino, Durbin, Smirnov, Pelz-Good)', async (t) => {
  let worst = 0
  for (const c of py.kstwo) worst = Math.max(worst, Math.abs(kolmogorovSf(c.n, c.x) - c.sf))
  t.ok(worst <= 1e-9, `${py.kstwo.length} points, worst |diff| ${worst.toExponential(2)} <= 1e-9`)
  let worstRel = 0
  for (const c of py.kstwo.filter((k) => k.sf >= 1e-300)) worstRel = Math.max(worstRel, Math.abs(kolmogorovSf(c.n, c.x) - c.sf) / c.sf)
  t.ok(worstRel <= 1e-6, `worst relative error ${worstRel.toExponential(2)} <= 1e-6 over the points with sf >= 1e-300`)
  t.ok(py.kstwo.filter((k) => k.sf > 0 && k.sf < 1e-100).length >= 20, 'the grid reaches sf below 1e-100')
  for (const c of py.kstwo.filter((k) => k.sf === 0)) t.equal(kolmogorovSf(c.n, c.x), 0, `n ${c.n}, x ${c.x}: 0 as scipy (n·x² >= 370 or underflow)`)
  t.ok(py.kstwo.some((c) => c.n > 140 && c.n * c.x * c.x < 2.2 && c.n * c.x ** 1.5 > 1.4), 'the grid reaches the Pelz-Good range')
  t.ok(py.kstwo.some((c) => c.n > 1e6 && c.n * c.x * c.x >= 2.2 && c.sf > 0), "the grid reaches smirnov's n > 10^6 approximation")
})

t.test('chi-square homogeneity as chi2_contingency (Yates for 2x2)', async (t) => {
  for (const c of py.chi2) {
    const r = chiSquareHomogeneity(c.reference, c.current)
    t.equal(r.dof, c.dof)
    close(t, r.statistic, c.statistic, 1e-9, `${JSON.stringify([c.reference, c.current])} statistic`)
    close(t, r.pValue, c.pvalue, 1e-6, `${JSON.stringify([c.reference, c.current])} p`)
  }
})

t.test('chi-square goodness of fit as Evidently calls scipy.stats.chisquare (expected = reference counts scaled to the current size)', async (t) => {
  for (const c of py.chi2gof) {
    const r = chiSquareGoodnessOfFit(c.reference, c.current)
    t.equal(r.dof, c.reference.length - 1)
    close(t, r.statistic, c.statistic, 1e-9 * Math.max(1, c.statistic), `${JSON.stringify([c.reference, c.current])} statistic`)
    t.ok(Math.abs(r.pValue - c.pvalue) <= 1e-6 * c.pvalue, `${JSON.stringify([c.reference, c.current])} p ${r.pValue} vs ${c.pvalue} (relative)`)
  }
  t.same(chiSquareGoodnessOfFit([0, 40, 40], [3, 20, 20]), { statistic: Infinity, pValue: 0, dof: 2 }, 'a class the reference never had: p = 0')
  t.same(chiSquareGoodnessOfFit([40], [20]), { statistic: 0, pValue: 1, dof: 0 }, 'one category: nothing to test')
})

t.test('Wasserstein-1, its Evidently normalisation, Jensen-Shannon, Sturges bins, Z test', async (t) => {
  for (const c of py.wasserstein) {
    close(t, wasserstein(c.u, c.v), c.distance, 1e-9, `W1 (${c.u.length} vs ${c.v.length})`)
    close(t, wassersteinNormed(c.u, c.v), c.distance / Math.max(c.std_u, 0.001), 1e-9, 'W1 / std(ref)')
  }
  for (const c of py.jensenshannon) close(t, jensenShannon(c.p, c.q), c.distance, 1e-12, `JS ${JSON.stringify(c.p)} ${JSON.stringify(c.q)}`)
  for (const c of py.histogram) {
    const edges = sturgesEdges(c.values)
    t.equal(edges.length, c.edges.length, `${c.values.length} values: ${c.edges.length - 1} bins`)
    edges.forEach((e, i) => close(t, e, c.edges[i], 1e-12, `edge ${i}`))
    t.same(histogram(c.values, edges), c.counts)
  }
  for (const c of py.ztest) close(t, zTestProportions(c.reference, c.current), c.pvalue, 1e-12, 'two-proportion z')
})
