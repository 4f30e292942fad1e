// `npm run serve:inference` and `npm run serve:grpc` as real processes: the standalone fronts answer
// with the same predictions as the gateway.
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import * as grpc from '@grpc/grpc-js'
import { freePort, startProcess } from '../../bench/lib.js'
import { loadServices } from '../../services/protocols/grpc/protos.js'
import { close, directPredict, ROWS } from '../helpers/direct.js'
import { projectRoot } from '../../services/lib/project-root.js'

/** A DATA_DIR for the process's prediction log, removed at the end, never the project's data/. */
async function dataDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gw-serve-data-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

t.test('serve:inference serves KServe V2 and TF Serving REST, without gRPC', async (t) => {
  const data = await dataDir(t)
  const proc = await startProcess(process.execPath, ['--import', 'tsx', 'scripts/serve-inference.ts'], { env: { LOG_LEVEL: 'warn', DATA_DIR: data } })
  t.teardown(proc.stop)
  const expected = await directPredict('iris')
  const v2 = await fetch(`${proc.url}/v2/models/iris/infer`, { method: 'POST', body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: ROWS }], outputs: [{ name: 'label' }] }) })
  t.same(await v2.json(), { model_name: 'iris', model_version: '1', outputs: [{ name: 'label', datatype: 'INT64', shape: [3], data: expected.labels }] })
  const tf = await fetch(`${proc.url}/v1/models/iris:predict`, { method: 'POST', body: JSON.stringify({ instances: ROWS }) })
  t.ok(close(((await tf.json()) as { predictions: number[][] }).predictions, expected.probabilities))
  const health = (await (await fetch(`${proc.url}/health`)).json()) as { dependencies: Record<string, unknown> }
  t.same(health.dependencies.grpc, { status: 'disabled', critical: false })
  const other = await fetch(`${proc.url}/api/v1/classify`, { method: 'POST' })
  t.equal(other.status, 404, 'only the serving fronts')
  t.same(await other.json(), { statusCode: 404, code: 'GW_ROUTE_NOT_FOUND', error: 'Not Found', message: 'Route POST /api/v1/classify not found' })
  const missing = await fetch(`${proc.url}/v2/models/nope/ready`)
  t.same([missing.status, await missing.json()], [404, { error: "Model 'nope' not found" }], 'the protocols keep their error shapes')
  const malformed = await fetch(`${proc.url}/v1/models/iris`, { method: 'DELETE' })
  t.same([malformed.status, await malformed.json()], [400, { error: 'Malformed request: DELETE /v1/models/iris' }])
  // Stopping flushes the prediction log: both fronts' rows are in it, with their routes.
  await proc.stop()
  const files = (await readdir(join(data, 'predictions', 'iris'))).sort()
  const records = (await Promise.all(files.map((f) => readFile(join(data, 'predictions', 'iris', f), 'utf8'))))
    .join('').trim().split('\n').map((l) => JSON.parse(l) as { route: string, features: Record<string, number> })
  t.same(records.map((r) => r.route), [...ROWS.map(() => '/v2/models/:model/infer'), ...ROWS.map(() => '/v1/models/:target')])
  t.same(records[0].features, { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 })
})

t.test('serve:grpc serves the iris service and GRPCInferenceService on GRPC_PORT', async (t) => {
  const port = await freePort()
  const data = await dataDir(t)
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve-grpc.ts'], { cwd: projectRoot, env: { ...process.env, GRPC_PORT: String(port), GRPC_HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: data }, stdio: 'ignore' })
  t.teardown(() => new Promise<void>((resolve) => { if (child.exitCode !== null) return resolve(); child.once('exit', () => resolve()); child.kill('SIGTERM') }))
  const { IrisInferenceService, GRPCInferenceService } = loadServices()
  const iris = new IrisInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any
  const v2 = new GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any
  t.teardown(() => { iris.close(); v2.close() })
  const unary = (c: any, m: string, req: unknown) => new Promise<any>((resolve, reject) => c[m](req, { deadline: Date.now() + 30_000 }, (e: Error | null, r: unknown) => e !== null ? reject(e) : resolve(r)))
  // waitForReady: the process needs a few seconds to load the models and bind.
  await new Promise<void>((resolve, reject) => iris.waitForReady(Date.now() + 60_000, (e?: Error) => e !== undefined && e !== null ? reject(e) : resolve()))
  const health = await unary(iris, 'Health', {})
  t.equal(health.status, 'SERVING')
  const one = await unary(iris, 'Classify', { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 })
  t.equal(one.predicted_class, 'virginica')
  const live = await unary(v2, 'ServerLive', {})
  t.same(live, { live: true })
})
