// Prediction log in a real Redis: two gateway replicas append to one capped stream per model, a
// drift report on either sees both, and a Redis outage costs log records, never requests.
import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp } from '../helpers/app.js'
import { everyOther, irisModelsDir, irisRows, shiftedRows } from '../helpers/drift.js'
import { startRedis } from '../helpers/redis.js'

const modelsDir = await irisModelsDir(t)

t.test('two replicas log to one Redis stream; the report on one of them sees every row', async (t) => {
  const redis = await startRedis(t)
  const env = { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', REDIS_URL: redis.url }
  const a = await buildTestApp(t, { ...env, DATA_DIR: t.testdir({ a: {}, b: {} }) + '/a' })
  const b = await buildTestApp(t, { ...env, DATA_DIR: t.testdirName + '/b' })
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const rows = shiftedRows(everyOther(irisRows()))
  await a.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows.slice(0, 40) } })
  await b.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows.slice(40) } })
  const one = await b.inject({ method: 'POST', url: '/api/v1/classify', payload: irisRows()[0] })
  await Promise.all([a.driftLogger.flush(), b.driftLogger.flush()])

  t.equal(await client.xlen('predictions:iris'), 76)
  const [[, fields]] = await client.xrevrange('predictions:iris', '+', '-', 'COUNT', 1)
  t.equal(fields[0], 'r')
  const newest = JSON.parse(fields[1])
  t.same(newest.features, irisRows()[0])
  t.equal(newest.prediction, one.json().predicted_class)
  t.equal(newest.route, '/api/v1/classify')
  t.equal(a.driftLogger.where, 'Redis')

  const report = (await a.inject({ method: 'GET', url: '/api/v1/drift-report?limit=75' })).json()
  t.equal(report.data_summary.analyzed_samples, 75)
  t.equal(report.data_summary.total_production_samples, 76)
  t.equal(report.drift_analysis.feature_drift_scores.sepal_length.drift_detected, true)
  t.equal(report.drift_analysis.feature_drift_scores.petal_width.drift_detected, true)
  t.equal(report.drift_analysis.feature_drift_scores.sepal_width.drift_detected, false)
  t.equal(report.drift_analysis.feature_drift_scores.petal_length.drift_detected, false)

  // Replica a now holds the window in memory; what b logs next reaches it through XRANGE (lastId +.
  await b.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: irisRows().slice(0, 5) } })
  await b.driftLogger.flush()
  const again = (await a.inject({ method: 'GET', url: '/api/v1/predictions?format=json&limit=200' })).json()
  t.equal(again.total, 81)
  t.equal(again.records.length, 81, 'every entry once, none duplicated by the incremental read')
  t.same(again.records.slice(-5).map((r: { features: unknown }) => r.features), irisRows().slice(0, 5))
  t.same(again.records[0].features, rows[0])

  const health = (await a.inject({ method: 'GET', url: '/health' })).json()
  t.match(health.dependencies.prediction_log, { status: 'up', critical: false, sink: 'Redis', written: 40 })
})

t.test('the stream is capped with XADD MAXLEN ~', async (t) => {
  const redis = await startRedis(t)
  const app = await buildTestApp(t, { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', REDIS_URL: redis.url, DATA_DIR: t.testdir({}), PREDICTION_LOG_STREAM_MAXLEN: '100' })
  const instances = Array.from({ length: 10 }, () => irisRows().slice(0, 100)).flat()
  for (let i = 0; i < instances.length; i += 500) {
    await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: instances.slice(i, i + 500) } })
  }
  await app.driftLogger.flush()
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const len = await client.xlen('predictions:iris')
  // Approximate trimming removes whole stream nodes (100 entries each by default): 100 <= len < 200.
  t.ok(len >= 100 && len < 200, `XLEN ${len} after 1000 appends with MAXLEN ~ 100`)
  t.equal(app.driftLogger.stats?.written, 1000)
})

t.test('Redis down: classification still answers, the log spools what Redis cannot take, reports answer 503 naming Redis', async (t) => {
  const redis = await startRedis(t)
  const app = await buildTestApp(t, { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', REDIS_URL: redis.url, DATA_DIR: t.testdir({}), PREDICTION_LOG_REDIS_TIMEOUT_MS: '500' })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify', payload: irisRows()[0] })).statusCode, 200)
  await app.driftLogger.flush()
  await redis.stop()
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: irisRows()[100] })
  t.equal(res.statusCode, 200)
  t.equal(res.json().predicted_class, 'virginica')
  await app.driftLogger.flush()
  t.match(app.driftLogger.stats, { written: 2, failed: 0 }, 'written to the spool, not lost')
  const health = (await app.inject({ method: 'GET', url: '/health' })).json()
  t.match(health.dependencies.prediction_log, { status: 'down', critical: false, sink: 'Redis', error: /^Redis is \w+; records are spooled/, spooled: 1 })
  t.equal(health.status, 'degraded', 'not down: the log is not critical')
  const report = await app.inject({ method: 'GET', url: '/api/v1/drift-report' })
  t.equal(report.statusCode, 503)
  t.equal(report.json().code, 'GW_PREDICTION_LOG_UNAVAILABLE')
  t.match(report.json().message, /^The prediction log \(Redis\) is unavailable: /)
})
