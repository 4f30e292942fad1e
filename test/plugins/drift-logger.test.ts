import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import metricsPlugin from '../../plugins/metrics.js'
import healthPlugin from '../../plugins/health.js'
import redisPlugin from '../../plugins/redis.js'
import driftLoggerPlugin from '../../plugins/drift-logger.js'

async function loggerOnly (t: Test, env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(redisPlugin)
  await app.register(driftLoggerPlugin)
  await app.ready()
  return app
}

const served = (n: number) => ({
  route: '/api/v1/classify',
  model: { name: 'iris', version: '3' },
  latencyMs: 1.23456,
  instances: Array.from({ length: n }, (_, i) => ({ sepal_length: 5 + i, sepal_width: 3, petal_length: 1.4, petal_width: 0.2 })),
  predictions: Array.from({ length: n }, () => ({ predicted_class: 'setosa', confidence: 0.98 }))
})

t.test('decorates driftLogger; records go to DATA_DIR/predictions/<model>/<day>.jsonl, the rest on close', async (t) => {
  const dataDir = t.testdir({})
  const app = await loggerOnly(t, { DATA_DIR: dataDir, PREDICTION_LOG_FLUSH_MS: '200' })
  t.equal(app.driftLogger.enabled, true)
  t.equal(app.driftLogger.where, 'local files')
  app.driftLogger.logPredictions(served(2))
  t.same(await app.driftLogger.recent('iris', 10).then((rs) => rs.map((r) => r.features.sepal_length)), [5, 6], 'a read flushes first')
  app.driftLogger.logPredictions(served(1))
  const health = await app.health.report()
  t.match(health.prediction_log, { status: 'up', critical: false, sink: 'local files', logged: 3, written: 2, buffered: 1, dropped: 0 })
  const metrics = await app.metrics.registry.metrics()
  t.match(metrics, /prediction_log_records_total\{outcome="written"\} 2/)
  t.match(metrics, /prediction_log_buffered 1/)
  await app.close()
  const [day] = await readdir(join(dataDir, 'predictions', 'iris'))
  const lines = (await readFile(join(dataDir, 'predictions', 'iris', day), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, 3)
  t.same(Object.keys(lines[0]), ['ts', 'model', 'version', 'features', 'prediction', 'confidence', 'latency_ms', 'route'])
  t.match(lines[0], { model: 'iris', version: '3', prediction: 'setosa', confidence: 0.98, latency_ms: 1.235, route: '/api/v1/classify' })
})

t.test('PREDICTION_LOG_ENABLED=false: the hook does nothing, reads answer 503, health says disabled', async (t) => {
  const dataDir = t.testdir({})
  const app = await loggerOnly(t, { DATA_DIR: dataDir, PREDICTION_LOG_ENABLED: 'false' })
  t.teardown(() => app.close())
  app.driftLogger.logPredictions(served(1))
  await t.rejects(app.driftLogger.recent('iris', 1), { statusCode: 503, code: 'GW_PREDICTION_LOG_DISABLED' })
  t.match((await app.health.report()).prediction_log, { status: 'disabled', critical: false })
  t.same(await readdir(dataDir), [])
})

t.test('a bad setting is refused at start-up, naming the variable', async (t) => {
  t.throws(() => loadConfig({ PREDICTION_LOG_FLUSH_MS: '500' }), /PREDICTION_LOG_FLUSH_MS must be <= 200/)
  t.throws(() => loadConfig({ DRIFT_INTERVAL_SECONDS: '-1' }), /DRIFT_INTERVAL_SECONDS must be >= 0/)
})
