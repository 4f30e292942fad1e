// The inference plugin on a bare Fastify with only its dependencies: the decorator runs the real
// Iris model, counts it in the inference metrics and logs it through the drift logger.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import metricsPlugin from '../../plugins/metrics.js'
import healthPlugin from '../../plugins/health.js'
import onnxPlugin from '../../plugins/onnx.js'
import redisPlugin from '../../plugins/redis.js'
import cachePlugin from '../../plugins/cache.js'
import driftLoggerPlugin from '../../plugins/drift-logger.js'
import inferencePlugin from '../../plugins/inference.js'

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }

async function app (t: Test, withLogger = true) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig({ DATA_DIR: t.testdir() }) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(onnxPlugin)
  await app.register(redisPlugin)
  await app.register(cachePlugin)
  if (withLogger) await app.register(driftLoggerPlugin)
  await app.register(inferencePlugin)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

t.test('fastify.inference.predict: runs, meters and logs with the route', async (t) => {
  const a = await app(t)
  const p = await a.inference.predict({ model: 'iris', rows: [SETOSA, SETOSA], route: 'test/route' })
  t.equal(p.model.name, 'iris')
  t.same(p.predicted, [0, 0])
  const metrics = await a.metrics.registry.metrics()
  t.match(metrics, /inference_rows_total\{model="iris",version="1"\} 2\n/)
  t.match(metrics, /inference_requests_total\{model="iris",version="1",outcome="success"\} 1\n/)
  const records = await a.driftLogger.recent('iris', 10)
  t.same(records.map((r) => [r.route, r.features, r.prediction, r.version]), [['test/route', SETOSA, 'setosa', '1'], ['test/route', SETOSA, 'setosa', '1']])
  t.equal(records[0].confidence, Number(Math.fround(p.probabilities[0]).toPrecision(7)))
})

t.test('needs the drift logger', async (t) => {
  await t.rejects(app(t, false), /drift-logger/)
})
