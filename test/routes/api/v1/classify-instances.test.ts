// Model instances through the whole gateway: a model on worker threads (serving.json) answers the
// routes exactly as on the main thread, shows its instances in /health and /metrics, answers 503
// naming the model when its thread crashes (then serves again), and app.close joins its threads.
import { cp, readdir, writeFile } from 'node:fs/promises'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildTestApp, SETOSA, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { projectRoot } from '../../../../services/lib/project-root.js'

const threads = () => readdirSync('/proc/self/task').length
// Loading starts instance threads (each opens its own session): on a loaded machine that takes longer
// than the default plugin timeout. The probe's threshold is raised so its decision does not depend on
// how busy the machine is (the probe's figure itself is not asserted: it is a wall-clock time).
const ENV = { PLUGIN_TIMEOUT_MS: '300000', INSTANCE_WORKER_THRESHOLD_MS: '1000' }

async function modelsDir (t: Test, serving: object | null) {
  const dir = t.testdir({})
  for (const name of ['iris', 'iris_mlp']) await cp(join(projectRoot, 'models', name), join(dir, name), { recursive: true })
  if (serving !== null) await writeFile(join(dir, 'iris_mlp', 'serving.json'), JSON.stringify(serving))
  return dir
}

const batch = { instances: [SETOSA, VERSICOLOR, VIRGINICA, { ...VERSICOLOR, petal_length: 4.9 }, { ...SETOSA, sepal_width: 2.3 }] }

t.test('a worker-kind model answers what the main thread answers; health and metrics show its instances; a crash is a 503, then it serves again; close joins its threads', async (t) => {
  const onMain = await buildTestApp(t, { ...ENV, MODELS_DIR: await modelsDir(t, null), INSTANCE_KIND: 'main' })
  const dir = await modelsDir(t, { kind: 'worker', instances: 2 })
  const app = await buildTestApp(t, { ...ENV, MODELS_DIR: dir })
  t.same((await readdir(dir)).sort(), ['iris', 'iris_mlp'])
  const threadsWithPools = threads()

  const ask = (a: typeof app) => a.inject({ method: 'POST', url: '/api/v1/classify/batch?model=iris_mlp', payload: batch })
  const [main, workers] = await Promise.all([ask(onMain), ask(app)])
  t.equal(workers.statusCode, 200)
  t.same(workers.json(), main.json(), 'the same body, every probability equal')
  t.same(workers.json().predictions.map((p: { predicted_class: string }) => p.predicted_class).slice(0, 3), ['setosa', 'versicolor', 'virginica'])
  const one = await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris_mlp', headers: { 'cache-control': 'no-cache' }, payload: VIRGINICA })
  t.same(one.json().probabilities, main.json().predictions[2].probabilities)

  const health = (await app.inject('/health')).json()
  const rows = health.dependencies.onnx.models
  t.match(rows.find((m: { name: string }) => m.name === 'iris_mlp'), { instances: { kind: 'worker', count: 2, source: 'serving.json', probe_ms: null, restarts: 0 } })
  t.match(rows.find((m: { name: string }) => m.name === 'iris'), { instances: { kind: 'main', count: 1, source: 'probe', restarts: 0 } })
  t.ok(rows.find((m: { name: string }) => m.name === 'iris').instances.probe_ms > 0, 'iris: the probe was timed')

  const m = app.onnx.get('iris_mlp')
  m.instances.pool!.injectFault(0, 'exit')
  const crashed = await ask(app)
  t.equal(crashed.statusCode, 503)
  t.match(crashed.json(), { code: 'GW_MODEL_INSTANCE_FAILED', message: "Model 'iris_mlp' version '1': instance 0 failed (its thread exited with code 3); it is being replaced, retry" })
  const again = await ask(app)
  t.equal(again.statusCode, 200)
  t.same(again.json(), main.json(), 'the replacement answers as before')

  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /^inference_instances\{model="iris_mlp",version="1",kind="worker"\} 2$/m)
  t.match(metrics, /^inference_instances\{model="iris",version="1",kind="main"\} 1$/m)
  t.match(metrics, /^inference_instance_restarts_total\{model="iris_mlp",version="1"\} 1$/m)
  t.match(metrics, /^inference_requests_total\{model="iris_mlp",version="1",outcome="failure"\} 1$/m)

  await app.close()
  t.equal(m.instances.pool!.live, 0, 'every instance thread has exited')
  t.ok(threadsWithPools - threads() >= 2, `the two instance threads are gone from /proc/self/task (${threadsWithPools} -> ${threads()})`)
})

t.test('INSTANCE_KIND=worker puts every model on worker threads, INSTANCE_COUNT of them; a bad serving.json leaves the model unavailable, naming the field', async (t) => {
  const app = await buildTestApp(t, { ...ENV, MODELS_DIR: await modelsDir(t, { kind: 'gpu' }), INSTANCE_KIND: 'worker', INSTANCE_COUNT: '2' })
  t.match(app.onnx.get('iris').instances.plan, { kind: 'worker', count: 2, source: 'config' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris', payload: SETOSA })
  t.equal(res.statusCode, 200)
  t.equal(res.json().predicted_class, 'setosa')
  const bad = await app.inject({ method: 'POST', url: '/api/v1/classify/batch?model=iris_mlp', payload: batch })
  t.equal(bad.statusCode, 503)
  t.match(bad.json(), { code: 'GW_MODEL_UNAVAILABLE', message: /Model 'iris_mlp' version '1' is not loaded: .*serving\.json: kind must be "main" or "worker", got "gpu"/ })
})
