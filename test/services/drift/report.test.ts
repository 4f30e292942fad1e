import t from 'tap'
import { columnDrift } from '../../../services/drift/stats/column-drift.js'
import { binnedShares, psi, wassersteinNormed, jensenShannon } from '../../../services/drift/stats/stats.js'
import { buildDriftReport, toCurrentData, type ReferenceData } from '../../../services/drift/report.js'
import { loggedFeatureNames, parseReferenceCsv } from '../../../services/drift/stats/reference.js'
import { renderDriftHtml } from '../../../services/drift/html.js'

/** Deterministic spread of values: a linear congruential generator, no Math.random. */
function lcg (seed: number) {
  let s = seed
  return () => { s = (s * 1664525 + 1013904223) % 4294967296; return s / 4294967296 }
}
const uniform = (n: number, seed: number, shift = 0) => { const r = lcg(seed); return Array.from({ length: n }, () => Math.round((r() * 10 + shift) * 100) / 100) }

t.test('Evidently\'s choice of test by reference size and distinct values', async (t) => {
  const small = columnDrift(uniform(200, 1), uniform(100, 2), true)
  t.match(small, { statistical_test: 'kolmogorov_smirnov', threshold: 0.05, score_kind: 'p_value', method: 'exact' })
  t.equal(small.drift_detected, small.drift_score <= 0.05)

  const big = uniform(1001, 3)
  const w = columnDrift(big, uniform(300, 4, 2), true)
  t.match(w, { statistical_test: 'wasserstein_distance_normed', threshold: 0.1, score_kind: 'distance', drift_detected: true })
  t.equal(w.drift_score, wassersteinNormed(big, uniform(300, 4, 2)))

  const levels = (n: number, k: number, seed: number) => { const r = lcg(seed); return Array.from({ length: n }, () => Math.floor(r() * k)) }
  t.match(columnDrift(levels(200, 4, 5), levels(100, 4, 6), true), { statistical_test: 'chi_square', score_kind: 'p_value' }, '3-5 distinct numeric values: chi-square')
  t.match(columnDrift(levels(200, 2, 5), levels(100, 2, 6), true), { statistical_test: 'z_test' }, 'binary: Z test')
  t.match(columnDrift(levels(200, 3, 5), levels(100, 3, 6), false), { statistical_test: 'chi_square' }, 'classes, small reference: chi-square')
  const js = columnDrift(levels(1500, 3, 7), levels(100, 3, 8), false)
  t.match(js, { statistical_test: 'jensen_shannon_distance', threshold: 0.1 }, 'classes, large reference: Jensen-Shannon')
  const shares = binnedShares(levels(1500, 3, 7), levels(100, 3, 8), false)
  t.equal(js.drift_score, jensenShannon(shares.reference, shares.current))
})

t.test('PSI with Evidently\'s zero filling', async (t) => {
  // Σ (r - c) ln(r / c) by hand: (0.5-0.25)ln2 + (0.5-0.25)ln2 + (0.0001-0.5)ln(0.0001/0.5).
  const expected = 0.25 * Math.log(2) * 2 + (0.0001 - 0.5) * Math.log(0.0001 / 0.5)
  t.ok(Math.abs(psi([0.5, 0.5, 0], [0.25, 0.25, 0.5]) - expected) < 1e-12)
  t.equal(psi([0.2, 0.8], [0.2, 0.8]), 0)
})

const reference: ReferenceData = parseReferenceCsv(
  'Sepal_Length,species\n' + uniform(120, 9).map((x, i) => `${x},${['a', 'b', 'c'][i % 3]}`).join('\n'), ['sepal_length'], ['a', 'b', 'c'], 'test.csv')

t.test('reference.csv: header matched case-insensitively, class names or indices, bad rows named', async (t) => {
  t.equal(reference.rows, 120)
  t.same(reference.labels?.slice(0, 4), [0, 1, 2, 0])
  t.same(parseReferenceCsv('x,label\n1,2\n3,0\n', ['x'], [], 's').labels, [2, 0])
  t.throws(() => parseReferenceCsv('x,label\n1,z\n', ['x'], ['a'], 's.csv'), /s\.csv row 2: unknown class "z"/)
  t.throws(() => parseReferenceCsv('x\nabc\n', ['x'], [], 's.csv'), /s\.csv row 2: x is not a number/)
  t.throws(() => parseReferenceCsv('y\n1\n', ['x'], [], 's.csv'), /lacks the feature column\(s\) x/)
  t.equal(parseReferenceCsv('x\n1\n', ['x'], [], 's').labels, null)
  t.same(loggedFeatureNames({ featureNames: ['petal_width', 'petal_length', 'sepal_width', 'sepal_length'] }), ['petal_width', 'petal_length', 'sepal_width', 'sepal_length'])
  t.same(loggedFeatureNames({ featureNames: ['f0', 'f1', 'f2', 'f3'] }), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
  t.same(loggedFeatureNames({ featureNames: ['x1', 'x2'] }), ['x1', 'x2'])
})

t.test('report: status ladder, dataset drift at share >= 0.5, insufficient data', async (t) => {
  const now = new Date('2026-11-22T12:00:00Z')
  const records = (shift: number, n: number, cls: string[]) => uniform(n, 11, shift).map((x, i) => ({ features: { sepal_length: x }, prediction: cls[i % cls.length] }))
  const base = { model: { name: 'm', version: '1' }, features: ['sepal_length'], classes: ['a', 'b', 'c'], reference, totalSamples: 1000, minSamples: 30, now }
  const same = buildDriftReport({ ...base, current: toCurrentData(records(0, 90, ['a', 'b', 'c']), ['sepal_length'], ['a', 'b', 'c']) })
  t.equal(same.recommendations.monitoring_status, 'NO_DRIFT')
  t.equal(same.drift_analysis.number_of_columns, 2)
  t.equal(same.drift_analysis.analysis_timestamp, '2026-11-22T12:00:00.000Z')

  const half = buildDriftReport({ ...base, current: toCurrentData(records(5, 90, ['a', 'b', 'c']), ['sepal_length'], ['a', 'b', 'c']) })
  t.equal(half.drift_analysis.feature_drift_scores.sepal_length.drift_detected, true)
  t.equal(half.drift_analysis.prediction_drift?.drift_detected, false)
  t.equal(half.drift_analysis.overall_drift_score, 0.5)
  t.equal(half.drift_analysis.drift_detected, true, 'share 0.5 is dataset drift (>=)')
  t.equal(half.recommendations.monitoring_status, 'MEDIUM_DRIFT')
  t.same(half.recommendations.investigate_features, ['sepal_length'])

  const all = buildDriftReport({ ...base, current: toCurrentData(records(5, 90, ['a', 'new class']), ['sepal_length'], ['a', 'b', 'c']) })
  t.equal(all.recommendations.monitoring_status, 'HIGH_DRIFT')
  t.same(all.drift_analysis.prediction_drift?.current_distribution, { a: 0.5, b: 0, c: 0, 'new class': 0.5 })
  t.match(all.drift_analysis.prediction_drift, { statistical_test: 'chi_square', method: 'goodness_of_fit', drift_score: 0, drift_detected: true }, "Evidently's goodness of fit: a class the reference never had gives p = 0")
  t.equal(all.drift_analysis.prediction_drift?.statistic, undefined, 'its infinite statistic is left out of the JSON')
  const homogeneity = buildDriftReport({ ...base, options: { chiSquare: 'homogeneity', shareColumns: 'features' }, current: toCurrentData(records(5, 90, ['a', 'new class']), ['sepal_length'], ['a', 'b', 'c']) })
  t.match(homogeneity.drift_analysis.prediction_drift, { method: 'homogeneity', drift_detected: true })
  t.ok((homogeneity.drift_analysis.prediction_drift?.statistic ?? 0) > 0, 'homogeneity: a finite statistic')
  t.equal(homogeneity.drift_analysis.number_of_columns, 1, 'DRIFT_SHARE_COLUMNS=features: the prediction is not counted')
  t.equal(homogeneity.drift_analysis.overall_drift_score, 1)

  const few = buildDriftReport({ ...base, current: toCurrentData(records(5, 29, ['a']), ['sepal_length'], ['a', 'b', 'c']) })
  t.equal(few.recommendations.monitoring_status, 'INSUFFICIENT_DATA')
  t.equal(few.drift_analysis.drift_detected, false)
  t.equal(few.recommendations.retrain_model, false)
  const html = renderDriftHtml(few, reference, toCurrentData([], ['sepal_length'], ['a', 'b', 'c']))
  t.match(html, /no current data/)
  t.match(html, /Status: INSUFFICIENT_DATA/)

  const skipped = toCurrentData([{ features: { other: 1 }, prediction: 'a' }, { features: { sepal_length: 2 }, prediction: 'b' }], ['sepal_length'], ['a', 'b'])
  t.same(skipped, { columns: { sepal_length: [2] }, predictions: [1], classNames: ['a', 'b'], rows: 1 }, 'records of another shape are left out')
})
