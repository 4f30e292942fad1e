// Registry serving cost: /api/v1/classify-registry by alias against plain /api/v1/classify (same
// ONNX model, same gateway), and the same load while the alias moves every 250 ms (hot reload):
// the ratio and the non-2xx count show what a swap costs. Run on the embedded registry and on a real
// MLflow server (the project venv's `mlflow server`, as in the tests).
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMlflow } from '../test/helpers/mlflow.js'
import { cannon, root, startGateway, toRow, type BenchModule, type BenchRow } from './lib.js'

const body = JSON.stringify({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 })
const headers = { 'cache-control': 'no-cache' }
const TOKEN = 'bench-admin-token'
const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }

async function scenario (backend: string, env: Record<string, string>, durationSec: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = []
  const gateway = await startGateway({ ADMIN_TOKEN: TOKEN, REGISTRY_RETIRE_GRACE_MS: '1000', ...env })
  try {
    for (const m of ['iris/1', 'iris/1']) {
      const payload = {
        onnx_base64: (await readFile(join(root, 'models', m, 'model.onnx'))).toString('base64'),
        metadata: JSON.parse(await readFile(join(root, 'models', m, 'metadata.json'), 'utf8'))
      }
      const res = await fetch(`${gateway.url}/api/v1/registry/models/iris/versions`, { method: 'POST', headers: admin, body: JSON.stringify(payload) })
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`)
    }
    const move = (version: string) => fetch(`${gateway.url}/api/v1/registry/models/iris/aliases/production`, { method: 'PUT', headers: admin, body: JSON.stringify({ version }) })
    await move('1')
    const connections = 64
    const base = toRow(`classify (models/iris), ${backend} registry`, 'gateway', connections, await cannon({ url: `${gateway.url}/api/v1/classify`, body, headers, connections, durationSec }))
    rows.push(base)
    const url = `${gateway.url}/api/v1/classify-registry?model_format=onnx&alias=production`
    const steady = toRow(`classify-registry @production (${backend})`, 'gateway', connections, await cannon({ url, body, headers, connections, durationSec }))
    rows.push({ ...steady, ratio: steady.requests_per_sec / base.requests_per_sec, baseline: 'classify' })
    let moves = 0
    const timer = setInterval(() => { moves++; void move(moves % 2 === 0 ? '1' : '2') }, 250)
    const moving = toRow(`classify-registry, alias moving (${backend})`, 'gateway', connections, await cannon({ url, body, headers, connections, durationSec }))
    clearInterval(timer)
    rows.push({ ...moving, ratio: moving.requests_per_sec / steady.requests_per_sec, baseline: 'classify-registry', note: `${moves} alias moves (hot reloads) during the run` })
  } finally {
    await gateway.stop()
  }
  return rows
}

const registry: BenchModule = async ({ durationSec }) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-reg-'))
  const cleanups: Array<() => Promise<void>> = []
  try {
    const rows = await scenario('embedded', { REGISTRY_DIR: join(dir, 'registry') }, durationSec)
    const mlflow = await startMlflow({ teardown: (fn) => { cleanups.push(fn) } })
    rows.push(...await scenario('MLflow', { MLFLOW_TRACKING_URI: mlflow.url, MLFLOW_CACHE_DIR: join(dir, 'mlflow-cache') }, durationSec))
    return rows
  } finally {
    for (const fn of cleanups) await fn()
    await rm(dir, { recursive: true, force: true })
  }
}

export default registry
