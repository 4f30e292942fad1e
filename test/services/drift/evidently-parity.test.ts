// The drift report against Evidently 0.7 itself (test/python/evidently_parity.py runs Evidently's
// DataDriftPreset on the same windows): per column the stattest, the score (relative error <= 1e-6)
// and the decision; the dataset drift share with the prediction counted (Evidently's default) and
// with the features only; and the homogeneity alternative where it differs.
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runPythonJson } from '../../helpers/python.js'
import { projectRoot } from '../../../services/lib/project-root.js'
import { buildDriftReport, type CurrentData, type ReferenceData } from '../../../services/drift/report.js'
import type { ColumnDrift, StatTest } from '../../../services/drift/stats/column-drift.js'

interface EvidentlyRun {
  columns: Record<string, { method: string, score: number, threshold: number, drifted: boolean }>
  count: number
  share: number
  categorical_columns: string[]
  numerical_columns: string[]
}
interface Window {
  name: string
  features: string[]
  reference: Record<string, Array<number | string>>
  current: Record<string, Array<number | string>>
  evidently: EvidentlyRun
  features_only: EvidentlyRun
  homogeneity: { prediction: number }
}

const py = await runPythonJson<{ versions: Record<string, string>, windows: Window[] }>(join(projectRoot, 'test', 'python', 'evidently_parity.py'), [], { timeoutMs: 600_000 })
t.comment(`evidently ${py.versions.evidently}, scipy ${py.versions.scipy}, pandas ${py.versions.pandas}`)

/** Evidently's display names of its stattests. */
const EVIDENTLY_NAME: Record<StatTest, string> = {
  kolmogorov_smirnov: 'K-S p_value',
  chi_square: 'chi-square p_value',
  z_test: 'Z-test p_value',
  wasserstein_distance_normed: 'Wasserstein distance (normed)',
  jensen_shannon_distance: 'Jensen-Shannon distance'
}

function inputs (w: Window): { reference: ReferenceData, current: CurrentData, classes: string[] } {
  const classes = [...new Set([...w.reference.prediction, ...w.current.prediction] as string[])].sort()
  const index = (xs: Array<number | string>) => xs.map((x) => classes.indexOf(x as string))
  const columns = (side: Record<string, Array<number | string>>) => Object.fromEntries(w.features.map((f) => [f, side[f] as number[]]))
  return {
    classes,
    reference: { columns: columns(w.reference), labels: index(w.reference.prediction), rows: w.reference.prediction.length, source: w.name },
    current: { columns: columns(w.current), predictions: index(w.current.prediction), classNames: classes, rows: w.current.prediction.length }
  }
}

function report (w: Window, options?: Parameters<typeof buildDriftReport>[0]['options']) {
  const { reference, current, classes } = inputs(w)
  return buildDriftReport({ model: { name: 'parity', version: '1' }, features: w.features, classes, reference, current, totalSamples: current.rows, minSamples: 30, now: new Date(0), options })
}

function sameColumn (t: Test, what: string, ours: ColumnDrift, theirs: EvidentlyRun['columns'][string]): number {
  t.equal(EVIDENTLY_NAME[ours.statistical_test], theirs.method, `${what}: ${theirs.method}`)
  t.equal(ours.threshold, theirs.threshold, `${what}: threshold ${theirs.threshold}`)
  t.equal(ours.drift_detected, theirs.drifted, `${what}: drift ${String(theirs.drifted)}`)
  if (theirs.score === 0) {
    t.equal(ours.drift_score, 0, `${what}: score 0 as Evidently`)
    return 0
  }
  const rel = Math.abs(ours.drift_score - theirs.score) / theirs.score
  t.ok(rel <= 1e-6, `${what}: ${ours.drift_score} vs ${theirs.score} (relative error ${rel.toExponential(2)} <= 1e-6)`)
  return rel
}

t.test('the windows cover every default test, > 1000 and > 10 000 rows, tiny p-values', async (t) => {
  const methods = new Set(py.windows.flatMap((w) => Object.values(w.evidently.columns).map((c) => c.method)))
  t.same([...methods].sort(), Object.values(EVIDENTLY_NAME).sort(), 'KS, chi-square, Z, Wasserstein and Jensen-Shannon all appear')
  t.ok(py.windows.some((w) => w.current.prediction.length > 10000), 'a window beyond 10 000 rows (asymptotic KS)')
  t.ok(py.windows.some((w) => w.reference.prediction.length > 1000), 'a reference beyond 1000 rows (distances)')
  t.ok(py.windows.some((w) => Object.values(w.evidently.columns).some((c) => c.score > 0 && c.score < 1e-12)), 'p-values below 1e-12')
  for (const w of py.windows) t.same(w.evidently.categorical_columns, ['prediction'], `${w.name}: Evidently infers the prediction as its one categorical column`)
})

t.test('Evidently defaults: per-column stattest, score, decision and the dataset drift share', async (t) => {
  let worst = 0
  for (const w of py.windows) {
    const r = report(w).drift_analysis
    for (const f of w.features) worst = Math.max(worst, sameColumn(t, `${w.name} / ${f}`, r.feature_drift_scores[f], w.evidently.columns[f]))
    t.not(r.prediction_drift, null)
    worst = Math.max(worst, sameColumn(t, `${w.name} / prediction`, r.prediction_drift as ColumnDrift, w.evidently.columns.prediction))
    t.equal(r.number_of_columns, w.features.length + 1, `${w.name}: the prediction counts, as in Evidently`)
    t.equal(r.number_of_drifted_columns, w.evidently.count, `${w.name}: ${w.evidently.count} drifted columns`)
    t.equal(r.overall_drift_score, Number(w.evidently.share.toFixed(4)), `${w.name}: share ${w.evidently.share}`)
    t.equal(r.drift_detected, w.evidently.share >= 0.5, `${w.name}: dataset drift ${String(w.evidently.share >= 0.5)}`)
  }
  t.comment(`worst relative error of a score against Evidently: ${worst.toExponential(2)}`)
})

t.test('DRIFT_SHARE_COLUMNS=features: the share as DataDriftPreset(columns=<features>)', async (t) => {
  for (const w of py.windows) {
    const r = report(w, { shareColumns: 'features' }).drift_analysis
    t.equal(r.number_of_columns, w.features.length)
    t.equal(r.number_of_drifted_columns, w.features_only.count, `${w.name}: ${w.features_only.count} drifted features`)
    t.equal(r.overall_drift_score, Number(w.features_only.share.toFixed(4)), `${w.name}: share ${w.features_only.share}`)
    t.not(r.prediction_drift, null, 'the prediction is still tested and reported')
  }
  t.ok(py.windows.some((w) => w.features_only.share !== w.evidently.share), 'a window where the prediction changes the share')
})

t.test('DRIFT_CHI_SQUARE=homogeneity: the prediction test is scipy chi2_contingency, which may disagree with Evidently', async (t) => {
  let disagreements = 0
  for (const w of py.windows.filter((w) => w.reference.prediction.length <= 1000)) {
    const p = report(w, { chiSquare: 'homogeneity' }).drift_analysis.prediction_drift as ColumnDrift
    t.equal(p.method, 'homogeneity')
    const rel = Math.abs(p.drift_score - w.homogeneity.prediction) / w.homogeneity.prediction
    t.ok(rel <= 1e-6, `${w.name}: homogeneity p ${p.drift_score} vs ${w.homogeneity.prediction}`)
    if (p.drift_detected !== w.evidently.columns.prediction.drifted) disagreements++
  }
  t.ok(disagreements >= 1, `${disagreements} window(s) where the two chi-square tests decide differently`)
})
