import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import metricsPlugin from '../../plugins/metrics.js'
import healthPlugin from '../../plugins/health.js'
import onnxPlugin from '../../plugins/onnx.js'
import { projectRoot } from '../../services/lib/project-root.js'

async function onnxOnly (t: Test, modelsDir: string, env: Record<string, string> = {}) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig({ MODELS_DIR: modelsDir, ...env }) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(onnxPlugin)
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('loads every version, serves the highest by default, refuses a file whose sha256 changed', async (t) => {
  const dir = t.testdir({})
  const src = join(projectRoot, 'models', 'iris', '1')
  await cp(src, join(dir, 'iris', '1'), { recursive: true })
  await cp(src, join(dir, 'iris', '2'), { recursive: true })
  await cp(src, join(dir, 'iris', '3'), { recursive: true })
  await writeFile(join(dir, 'iris', '3', 'model.onnx'), Buffer.concat([Buffer.from('x'), Buffer.alloc(10)]))
  await writeFile(join(dir, 'iris', 'serving.json'), JSON.stringify({ max_batch_size: 4, batching: false }))
  const app = await onnxOnly(t, dir)
  t.same(app.onnx.list().map((m) => m.version), ['1', '2'])
  t.equal(app.onnx.get('iris').version, '2', 'the highest loaded version is the default')
  t.equal(app.onnx.get('iris', '1').numFeatures, 4)
  t.throws(() => app.onnx.get('iris', '3'), { code: 'GW_MODEL_UNAVAILABLE', statusCode: 503, message: /sha256 .* does not match metadata\.json/ })
  t.throws(() => app.onnx.get('nope'), { code: 'GW_MODEL_NOT_FOUND', statusCode: 404 })
  const m = app.onnx.get('iris', '1')
  const p = await app.onnx.predict(m, Float32Array.of(5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5), 2)
  t.same(p.predicted, [0, 2])
  t.equal(p.probabilities.length, 6)
  const health = await app.health.report()
  t.equal(health.onnx.status, 'degraded')
  t.match((health.onnx as unknown as { models: unknown[] }).models[0], { name: 'iris', version: '1', default: false, features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], classes: ['setosa', 'versicolor', 'virginica'] })
})

t.test('setDefault, unload and close release sessions', async (t) => {
  const dir = t.testdir({})
  await cp(join(projectRoot, 'models', 'iris', '1'), join(dir, 'iris', '1'), { recursive: true })
  await cp(join(projectRoot, 'models', 'iris', '1'), join(dir, 'iris', '2'), { recursive: true })
  const app = await onnxOnly(t, dir)
  app.onnx.setDefault('iris', '1')
  t.equal(app.onnx.get('iris').version, '1')
  const v2 = app.onnx.get('iris', '2')
  await app.onnx.unload('iris', '2')
  t.throws(() => app.onnx.get('iris', '2'), { code: 'GW_MODEL_VERSION_NOT_FOUND' })
  await t.rejects(v2.session.run({ float_input: undefined as never }), 'a released session refuses to run')
  t.throws(() => app.onnx.setDefault('iris', '9'), { code: 'GW_MODEL_VERSION_NOT_FOUND' })
})
