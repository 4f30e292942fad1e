// Triton's gRPC extensions on the gateway's gRPC front, with grpc-js clients built from our .proto
// files: ModelStreamInfer (order, in-stream errors, half-close, cancellation), classification on
// ModelInfer, and RepositoryModelLoad / RepositoryModelUnload behind the admin token.
import t, { type Test } from 'tap'
import * as grpc from '@grpc/grpc-js'
import { buildTestApp } from '../helpers/app.js'
import { directPredict, ROWS } from '../helpers/direct.js'
import { loadServices } from '../../services/protocols/grpc/protos.js'

const { GRPCInferenceService } = loadServices()
type Client = grpc.Client & Record<string, Function>

async function front (t: Test, env: Record<string, string> = {}) {
  const app = await buildTestApp(t, { GRPC_HOST: '127.0.0.1', CACHE_ENABLED: 'false', ...env })
  const client = new GRPCInferenceService(`127.0.0.1:${app.grpcServer!.port}`, grpc.credentials.createInsecure()) as unknown as Client
  t.teardown(() => client.close())
  const call = (method: string, request: unknown, metadata = new grpc.Metadata()): Promise<any> => new Promise((resolve, reject) => {
    client[method](request, metadata, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, res: unknown) => err !== null ? reject(err) : resolve(res))
  })
  return { app, client, call }
}

const request = (id: string, rows: number[][], extra: Record<string, unknown> = {}) => ({
  model_name: 'iris',
  id,
  inputs: [{ name: 'float_input', datatype: 'FP32', shape: [rows.length, rows[0]?.length ?? 0] }],
  raw_input_contents: [Buffer.from(Float32Array.from(rows.flat()).buffer)],
  ...extra
})

/** BYTES raw contents: 4-byte little-endian length, then the bytes, per element. */
function strings (raw: Buffer): string[] {
  const out: string[] = []
  for (let at = 0; at < raw.length;) {
    const n = raw.readUInt32LE(at)
    out.push(raw.subarray(at + 4, at + 4 + n).toString())
    at += 4 + n
  }
  return out
}

t.test('ModelStreamInfer: one answer per request in order, errors in-stream, closed after the client half-closes', async (t) => {
  const { app, client } = await front(t)
  const stream = client.ModelStreamInfer() as grpc.ClientDuplexStream<unknown, any>
  const answers: any[] = []
  const ended = new Promise<void>((resolve, reject) => {
    stream.on('data', (m: unknown) => answers.push(m))
    stream.on('end', resolve)
    stream.on('error', reject)
  })
  // A large request first: later, smaller ones must not overtake it.
  stream.write(request('s1', Array.from({ length: 200 }, () => ROWS[0])))
  stream.write(request('s2', [[1, 2, 3]]))
  stream.write(request('s3', ROWS, { outputs: [{ name: 'label' }] }))
  stream.write({ ...request('s4', ROWS), model_name: 'nope' })
  stream.end()
  await ended
  t.same(answers.map((a) => a.infer_response.id), ['s1', 's2', 's3', 's4'], 'in the order sent')
  t.equal(answers[0].error_message, '')
  t.same(answers[0].infer_response.outputs.map((o: { shape: number[] }) => o.shape), [[200, 3], [200]])
  t.equal(answers[1].error_message, "unexpected shape for input 'float_input' for model 'iris'. Expected [-1,4], got [1,3]")
  t.equal(answers[2].error_message, '', 'the stream goes on after an error')
  t.same([0, 1, 2].map((i) => Number((answers[2].infer_response.raw_output_contents[0] as Buffer).readBigInt64LE(i * 8))), [0, 1, 2])
  t.equal(answers[3].error_message, "Model 'nope' not found")
  const stats = app.kserve.statistics('iris').model_stats[0]
  t.equal(stats.inference_count, 203, 'stream requests go through the shared prediction path')
  await new Promise((resolve) => setTimeout(resolve, 100)) // the server counts the call once its side has closed
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /grpc_server_handled_total\{grpc_service="inference.GRPCInferenceService",grpc_method="ModelStreamInfer",grpc_code="OK"\} 1/)
})

t.test('ModelStreamInfer: a cancelled stream stops, the server keeps serving', async (t) => {
  // A 1 s batching delay keeps the second request queued when the client cancels.
  const { app, client, call } = await front(t, { BATCH_MAX_QUEUE_DELAY_MICROS: '1000000' })
  const stream = client.ModelStreamInfer() as grpc.ClientDuplexStream<unknown, any>
  const received: unknown[] = []
  stream.on('data', (m) => received.push(m))
  const first = new Promise((resolve) => stream.once('data', resolve))
  const error = new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve))
  stream.write(request('c1', ROWS))
  t.equal(((await first) as any).infer_response.id, 'c1')
  stream.write(request('c2', Array.from({ length: 500 }, () => ROWS[1])))
  stream.cancel()
  t.equal((await error).code, grpc.status.CANCELLED)
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(received.length, 1, 'nothing is written after the cancellation')
  const after = await call('ModelInfer', request('u1', ROWS.slice(0, 1), { outputs: [{ name: 'label' }] }))
  t.equal(Number((after.raw_output_contents[0] as Buffer).readBigInt64LE(0)), 0, 'a new call is served')
  await new Promise((resolve) => setTimeout(resolve, 100))
  // grpc-js reports the cancellation to the server only when it next writes, so the call is counted once, as it closed.
  t.match((await app.inject({ url: '/metrics' })).body, /grpc_method="ModelStreamInfer",grpc_code="(OK|CANCELLED)"\} 1\n/)
})

t.test('classification on ModelInfer: int64_param "classification" gives BYTES "score:index:label"', async (t) => {
  const { call } = await front(t)
  const expected = await directPredict('iris')
  const res = await call('ModelInfer', request('k1', ROWS, { outputs: [{ name: 'probabilities', parameters: { classification: { int64_param: 2 } } }] }))
  t.same(res.outputs.map((o: { name: string, datatype: string, shape: number[] }) => [o.name, o.datatype, o.shape]), [['probabilities', 'BYTES', [3, 2]]])
  const top = strings(res.raw_output_contents[0] as Buffer)
  t.equal(top.length, 6)
  t.equal(top[0], `${expected.probabilities[0][0].toFixed(6)}:0:setosa`)
  t.match(top[2], /:1:versicolor$/)
  t.match(top[4], /:2:virginica$/)
  await t.rejects(call('ModelInfer', request('k2', ROWS, { outputs: [{ name: 'probabilities', parameters: { classification: { string_param: 'two' } } }] })),
    { code: grpc.status.INVALID_ARGUMENT, details: 'output \'probabilities\' parameter \'classification\' must be a non-negative integer, got "two"' })
})

t.test('RepositoryModelLoad / Unload: the admin token in the call metadata, index and readiness follow', async (t) => {
  const { call } = await front(t, { ADMIN_TOKEN: 'repository-admin-token' })
  const admin = new grpc.Metadata()
  admin.set('authorization', 'Bearer repository-admin-token')
  await t.rejects(call('RepositoryModelUnload', { model_name: 'iris_mlp' }), { code: grpc.status.UNAUTHENTICATED, details: 'A valid admin bearer token is required' })
  t.same(await call('RepositoryModelUnload', { model_name: 'iris_mlp' }, admin), {})
  t.same((await call('ModelReady', { name: 'iris_mlp', version: '' })), { ready: false })
  t.match((await call('RepositoryIndex', {})).models.find((m: { name: string }) => m.name === 'iris_mlp'), { name: 'iris_mlp', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' })
  await t.rejects(call('ModelInfer', { ...request('r1', ROWS), model_name: 'iris_mlp' }), { code: grpc.status.NOT_FOUND, details: /^Request for unknown model: 'iris_mlp' has no available versions/ })
  t.same(await call('RepositoryModelLoad', { model_name: 'iris_mlp' }, admin), {})
  t.same((await call('ModelReady', { name: 'iris_mlp', version: '' })), { ready: true })
  await t.rejects(call('RepositoryModelLoad', { model_name: 'nope' }, admin), { code: grpc.status.NOT_FOUND, details: "Model 'nope' not found" })
  await t.rejects(call('RepositoryModelLoad', { model_name: 'iris', parameters: { config: { string_param: '{}' } } }, admin),
    { code: grpc.status.UNIMPLEMENTED, details: "load parameter 'config' is not supported: the gateway loads the model directory as it is on disk" })
  t.same(await call('RepositoryModelUnload', { model_name: 'iris' }, admin), {})
  t.same(await call('ServerReady', {}), { ready: false }, 'without the default model the server is not ready')
})

t.test('repository calls are refused (PERMISSION_DENIED) without ADMIN_TOKEN', async (t) => {
  const { call } = await front(t, { ADMIN_TOKEN: '' })
  const md = new grpc.Metadata()
  md.set('authorization', 'Bearer x')
  await t.rejects(call('RepositoryModelLoad', { model_name: 'iris' }, md), { code: grpc.status.PERMISSION_DENIED })
})
