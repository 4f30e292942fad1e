import { spawnSync } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { CLASSES, everyOther, irisModelsDir, irisRows, shiftedRows } from '../../../helpers/drift.js'
import { FEATURE_NAMES } from '../../../../schemas/iris.js'

const modelsDir = await irisModelsDir(t)
const env = (dataDir: string, extra: Record<string, string> = {}) => ({ MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', DATA_DIR: dataDir, ...extra })

t.test('a shifted stream flags sepal_length and petal_width, not the other features', async (t) => {
  const dataDir = t.testdir({})
  const app = await buildTestApp(t, env(dataDir))
  const rows = shiftedRows(everyOther(irisRows()))
  const batch = await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows.slice(0, 60) } })
  t.equal(batch.statusCode, 200)
  for (const row of rows.slice(60)) t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify', payload: row })).statusCode, 200)

  const res = await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=75' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  const scores = body.drift_analysis.feature_drift_scores
  t.same(Object.keys(scores), FEATURE_NAMES)
  for (const f of FEATURE_NAMES) {
    t.equal(scores[f].statistical_test, 'kolmogorov_smirnov', `${f}: KS for a reference of 120 rows`)
    t.equal(scores[f].method, 'exact')
    t.equal(scores[f].threshold, 0.05)
  }
  t.equal(scores.sepal_length.drift_detected, true)
  t.ok(scores.sepal_length.drift_score < 1e-10, `sepal_length p ${scores.sepal_length.drift_score}`)
  t.ok(scores.sepal_length.statistic > 0.5, `sepal_length D ${scores.sepal_length.statistic}`)
  t.equal(scores.petal_width.drift_detected, true)
  t.ok(scores.petal_width.drift_score < 0.01, `petal_width p ${scores.petal_width.drift_score}`)
  for (const f of ['sepal_width', 'petal_length']) {
    t.equal(scores[f].drift_detected, false, `${f} not flagged`)
    t.ok(scores[f].drift_score > 0.99, `${f} p ${scores[f].drift_score}`)
  }
  const pred = body.drift_analysis.prediction_drift
  t.equal(pred.statistical_test, 'chi_square')
  t.equal(pred.method, 'goodness_of_fit', "Evidently's chi-square by default")
  t.same(pred.reference_distribution, { setosa: 0.3333, versicolor: 0.3333, virginica: 0.3333 })
  const currentShares = Object.values(pred.current_distribution as Record<string, number>)
  t.ok(Math.abs(currentShares.reduce((a, b) => a + b, 0) - 1) < 1e-3)
  const drifted = body.drift_analysis.number_of_drifted_columns
  t.equal(body.drift_analysis.number_of_columns, 5)
  t.equal(body.drift_analysis.overall_drift_score, Number((drifted / 5).toFixed(4)))
  t.equal(body.drift_analysis.drift_detected, drifted / 5 >= 0.5)
  t.same(body.data_summary, { reference_samples: 120, analyzed_samples: 75, total_production_samples: 75, minimum_samples: 30, reference_source: 'iris/1/reference.csv', model: { name: 'iris', version: '1' } })
  t.same(body.recommendations.investigate_features, ['sepal_length', 'petal_width'])
  t.equal(body.recommendations.retrain_model, drifted >= 3)
  t.equal(body.recommendations.monitoring_status, drifted >= 4 ? 'HIGH_DRIFT' : drifted === 3 ? 'MEDIUM_DRIFT' : 'LOW_DRIFT')

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /drift_detected\{model="iris",feature="sepal_length"\} 1/)
  t.match(metrics, /drift_detected\{model="iris",feature="sepal_width"\} 0/)
  t.match(metrics, new RegExp(`drift_score\\{model="iris",feature="sepal_width",test="kolmogorov_smirnov"\\} ${scores.sepal_width.drift_score}`))
  t.match(metrics, /drift_analyzed_samples\{model="iris"\} 75/)
  t.match(metrics, /prediction_log_records_total\{outcome="written"\} 75/)
  // Prometheus' own linter on the exposition: it parses, and none of its complaints is about ours
  // (it does flag prom-client's default nodejs_*_total gauges).
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' })
  t.equal(lint.error, undefined, 'promtool runs (installed by scripts/setup-test-env.sh)')
  const complaints = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.trim() !== '')
  t.notOk(complaints.some((l) => /error|parse/i.test(l)), 'the exposition parses')
  t.same(complaints.filter((l) => /^(drift_|prediction_log_)/.test(l)), [], 'no lint finding on the drift and log metrics')
})

t.test('DRIFT_CHI_SQUARE=homogeneity and DRIFT_SHARE_COLUMNS=features reach the report', async (t) => {
  const app = await buildTestApp(t, env(t.testdir({}), { DRIFT_CHI_SQUARE: 'homogeneity', DRIFT_SHARE_COLUMNS: 'features' }))
  const rows = shiftedRows(everyOther(irisRows()))
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows.slice(0, 60) } })).statusCode, 200)
  const body = (await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=60' })).json()
  t.equal(body.drift_analysis.prediction_drift.method, 'homogeneity')
  t.equal(body.drift_analysis.number_of_columns, 4, 'the features only')
  const drifted = FEATURE_NAMES.filter((f) => body.drift_analysis.feature_drift_scores[f].drift_detected).length
  t.equal(body.drift_analysis.number_of_drifted_columns, drifted)
  t.equal(body.drift_analysis.overall_drift_score, drifted / 4)

  const { buildApp } = await import('../../../../app.js')
  await t.rejects(buildApp({ env: { DRIFT_CHI_SQUARE: 'gof' }, logger: false }), { message: /env\/DRIFT_CHI_SQUARE must be equal to one of the allowed values/ })
  await t.rejects(buildApp({ env: { DRIFT_SHARE_COLUMNS: 'some' }, logger: false }), { message: /env\/DRIFT_SHARE_COLUMNS must be equal to one of the allowed values/ })
})

t.test('an unshifted stream from the training population raises no drift', async (t) => {
  const app = await buildTestApp(t, env(t.testdir({})))
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: everyOther(irisRows()) } })
  const body = (await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=500' })).json()
  t.equal(body.data_summary.analyzed_samples, 75)
  t.equal(body.drift_analysis.number_of_drifted_columns, 0)
  t.equal(body.recommendations.monitoring_status, 'NO_DRIFT')
  t.equal(body.drift_analysis.drift_detected, false)
  t.same(body.recommendations.investigate_features, [])
})

t.test('too few logged predictions give INSUFFICIENT_DATA, not a false alarm', async (t) => {
  const dataDir = t.testdir({})
  const app = await buildTestApp(t, env(dataDir))
  for (const row of shiftedRows(irisRows()).slice(0, 10)) await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: row })
  const body = (await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=50' })).json()
  t.equal(body.data_summary.analyzed_samples, 20, 'classify-shifted logs the original and the shifted sample')
  t.equal(body.recommendations.monitoring_status, 'INSUFFICIENT_DATA')
  t.equal(body.drift_analysis.drift_detected, false)
  t.same(body.drift_analysis.feature_drift_scores, {})
  t.equal(body.drift_analysis.prediction_drift, null)
  t.match(body.recommendations.message, /Only 20 logged predictions; at least 30/)
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.notMatch(metrics, /drift_detected\{/)
  t.match(metrics, /drift_analyzed_samples\{model="iris"\} 20/)
})

t.test('format=html returns the self-contained report with one SVG per feature and writes data/drift_report.html', async (t) => {
  const dataDir = t.testdir({})
  const app = await buildTestApp(t, env(dataDir))
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: shiftedRows(everyOther(irisRows())) } })
  const res = await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=75&format=html' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  const html = res.body
  t.equal((html.match(/<svg /g) ?? []).length, 5, 'four features and the predicted class')
  for (const f of FEATURE_NAMES) t.match(html, new RegExp(`aria-label="${f} histogram, reference vs current"`))
  t.equal((html.match(/<section class="feature drifted">/g) ?? []).length >= 2, true)
  t.match(html, /<section class="feature drifted"><h2>sepal_length<\/h2>/)
  t.match(html, /<section class="feature"><h2>sepal_width<\/h2>/)
  t.notMatch(html, /<script|src=|href=/, 'no script and no external resource')
  // Each histogram has 10 reference and 10 current bars.
  const svg = html.slice(html.indexOf('<h2>petal_length</h2>'), html.indexOf('</svg>', html.indexOf('<h2>petal_length</h2>')))
  t.equal((svg.match(/<rect /g) ?? []).length, 20)
  t.equal(await readFile(join(dataDir, 'drift_report.html'), 'utf8'), html)
})

t.test('bad queries and unknown models', async (t) => {
  const app = await buildTestApp(t, env(t.testdir({}), { DRIFT_MAX_LIMIT: '1000' }))
  const get = (url: string) => app.inject({ method: 'GET', url })
  const limit = await get('/api/v1/drift-report?limit=0')
  t.equal(limit.statusCode, 400)
  t.match(limit.json().message, /limit must be >= 1/)
  t.match((await get('/api/v1/drift-report?limit=1001')).json().message, /limit must be <= 1000/)
  t.match((await get('/api/v1/drift-report?format=pdf')).json().message, /format/)
  const extra = await get('/api/v1/drift-report?colour=blue')
  t.equal(extra.statusCode, 400)
  const unknown = await get('/api/v1/drift-report?model=nope')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, 'GW_MODEL_NOT_FOUND')
  t.equal((await get('/api/v1/drift-report?version=7')).json().code, 'GW_MODEL_VERSION_NOT_FOUND')
})

t.test('a model version without reference.csv gets 404 GW_DRIFT_REFERENCE_NOT_FOUND', async (t) => {
  const bare = await irisModelsDir(t, { withReference: false })
  const app = await buildTestApp(t, { MODELS_DIR: bare, DEFAULT_MODEL: 'iris', DATA_DIR: t.testdir({}) })
  const res = await app.inject({ method: 'GET', url: '/api/v1/drift-report' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'GW_DRIFT_REFERENCE_NOT_FOUND')
  t.match(res.json().message, /Model 'iris' version '1' has no drift reference: .*reference\.csv does not exist/)
})

t.test('logging off: classification works, reports answer 503 GW_PREDICTION_LOG_DISABLED', async (t) => {
  const dataDir = t.testdir({})
  const app = await buildTestApp(t, env(dataDir, { PREDICTION_LOG_ENABLED: 'false' }))
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify', payload: irisRows()[0] })).json().predicted_class, 'setosa')
  const res = await app.inject({ method: 'GET', url: '/api/v1/drift-report' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'GW_PREDICTION_LOG_DISABLED')
  t.same(await readdir(dataDir), [])
})

t.test('records are flushed on shutdown and exported as CSV in the seed layout', async (t) => {
  const dataDir = t.testdir({})
  const rows = irisRows()
  const first = await buildTestApp(t, env(dataDir, { PREDICTION_LOG_FLUSH_MS: '200' }))
  const answers = []
  for (const row of [rows[0], rows[60], rows[120]]) answers.push((await first.inject({ method: 'POST', url: '/api/v1/classify', payload: row })).json())
  await first.inject({ method: 'POST', url: '/api/v1/classify-detailed', payload: rows[1] })
  await first.close()
  const day = (await readdir(join(dataDir, 'predictions', 'iris')))[0]
  t.match(day, /^\d{4}-\d{2}-\d{2}\.jsonl$/)
  const lines = (await readFile(join(dataDir, 'predictions', 'iris', day), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, 4, 'every record written by close(), none lost')
  t.same(lines[0].features, rows[0])
  t.equal(lines[0].prediction, answers[0].predicted_class)
  t.equal(lines[0].confidence, answers[0].confidence)
  t.equal(lines[0].model, 'iris')
  t.equal(lines[0].version, '1')
  t.equal(lines[0].route, '/api/v1/classify')
  t.equal(lines[3].route, '/api/v1/classify-detailed')
  t.ok(lines[0].latency_ms >= 0 && Number.isFinite(lines[0].latency_ms))
  t.ok(Math.abs(Date.parse(lines[0].ts) - Date.now()) < 60_000)
  t.same(lines.slice(0, 3).map((l) => l.prediction), CLASSES)

  const second = await buildTestApp(t, env(dataDir))
  const csv = await second.inject({ method: 'GET', url: '/api/v1/predictions?limit=3' })
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /^text\/csv/)
  const [header, ...data] = csv.body.trim().split('\n')
  t.equal(header, 'timestamp,sepal_length,sepal_width,petal_length,petal_width,prediction,confidence,model,version,latency_ms,route')
  t.equal(data.length, 3, 'the newest three, oldest first')
  t.match(data[0], new RegExp(`^${lines[1].ts},${rows[60].sepal_length},${rows[60].sepal_width},${rows[60].petal_length},${rows[60].petal_width},versicolor,${answers[1].confidence},iris,1,${lines[1].latency_ms},/api/v1/classify$`))
  const json = (await second.inject({ method: 'GET', url: '/api/v1/predictions?format=json&limit=10' })).json()
  t.equal(json.total, 4)
  t.same(json.records, lines)
})

t.test('DRIFT_INTERVAL_SECONDS refreshes the gauges without a request', async (t) => {
  const app = await buildTestApp(t, env(t.testdir({}), { DRIFT_INTERVAL_SECONDS: '1', DRIFT_DEFAULT_LIMIT: '40' }))
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: shiftedRows(irisRows()).slice(0, 40) } })
  // Polls for the timer's effect (no report is requested); tap's timeout bounds the wait.
  let metrics = ''
  while (!/drift_analyzed_samples\{model="iris"\} 40/.test(metrics)) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  }
  t.match(metrics, /drift_detected\{model="iris",feature="sepal_length"\} 1/)
  // 40 shifted setosa rows against all three classes: every column, the class mix included, drifts.
  t.match(metrics, /drift_share_of_drifted_columns\{model="iris"\} 1\n/)
  t.match(metrics, /drift_dataset_drift\{model="iris"\} 1\n/)
  t.match(metrics, /drift_detected\{model="iris",feature="prediction"\} 1/)
})

t.test('concurrent reports each answer and leave one whole drift_report.html; an unwritable file does not fail the report', async (t) => {
  // b/ holds a directory where drift_report.html should go.
  const root = t.testdir({ a: {}, b: { 'drift_report.html': {} } })
  const dataDir = join(root, 'a')
  const app = await buildTestApp(t, env(dataDir))
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: everyOther(irisRows()) } })
  const answers = await Promise.all([40, 50, 60, 70, 75].map((limit) => app.inject({ method: 'GET', url: `/api/v1/drift-report?limit=${limit}&format=html` })))
  t.same(answers.map((a) => a.statusCode), [200, 200, 200, 200, 200])
  const file = await readFile(join(dataDir, 'drift_report.html'), 'utf8')
  t.ok(answers.some((a) => a.body === file), 'the file is one of the reports, whole')
  t.same((await readdir(dataDir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left')

  const other = await buildTestApp(t, env(join(root, 'b')))
  await other.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: everyOther(irisRows()) } })
  const res = await other.inject({ method: 'GET', url: '/api/v1/drift-report?limit=75' })
  t.equal(res.statusCode, 200)
  t.equal(res.json().recommendations.monitoring_status, 'NO_DRIFT')
  t.same((await readdir(join(root, 'b'))).sort(), ['drift_report.html', 'predictions'], 'the failed temp file is removed')
})
