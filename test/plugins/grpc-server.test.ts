// The gRPC front on a bare Fastify with only its dependencies, called with grpc-js clients built
// from our .proto files: the seed's iris service and inference.GRPCInferenceService.
import { createServer } from 'node:net'
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import * as grpc from '@grpc/grpc-js'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import metricsPlugin from '../../plugins/metrics.js'
import healthPlugin from '../../plugins/health.js'
import onnxPlugin from '../../plugins/onnx.js'
import redisPlugin from '../../plugins/redis.js'
import cachePlugin from '../../plugins/cache.js'
import driftLoggerPlugin from '../../plugins/drift-logger.js'
import inferencePlugin from '../../plugins/inference.js'
import kservePlugin from '../../plugins/kserve.js'
import authPlugin from '../../plugins/auth.js'
import grpcServerPlugin from '../../plugins/grpc-server.js'
import { loadServices } from '../../services/protocols/grpc/protos.js'
import { close, directPredict, ROWS } from '../helpers/direct.js'

const services = loadServices()

async function grpcFront (t: Test, env: Record<string, string> = {}) {
  const app = Fastify({ logger: false })
  // The prediction log (tested through the whole app in test/routes/prediction-path.test.ts) is off here.
  await app.register(configPlugin, { config: loadConfig({ GRPC_PORT: '0', GRPC_HOST: '127.0.0.1', PREDICTION_LOG_ENABLED: 'false', ...env }) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(onnxPlugin)
  await app.register(redisPlugin)
  await app.register(cachePlugin)
  await app.register(driftLoggerPlugin)
  await app.register(inferencePlugin)
  await app.register(kservePlugin)
  await app.register(authPlugin)
  await app.register(grpcServerPlugin)
  await app.ready()
  t.teardown(() => app.close())
  return app
}

type Call = (method: string, request: unknown) => Promise<any>

function client (t: Test, Service: grpc.ServiceClientConstructor, port: number): Call {
  const c = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client
  t.teardown(() => c.close())
  return (method, request) => new Promise((resolve, reject) => {
    c[method](request, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, res: unknown) => err !== null ? reject(err) : resolve(res))
  })
}

const sample = (r: number[]) => ({ sepal_length: r[0], sepal_width: r[1], petal_length: r[2], petal_width: r[3] })

t.test('iris service: Classify, ClassifyBatch and Health answer like /api/v1/classify', async (t) => {
  const app = await grpcFront(t)
  t.ok(app.grpcServer!.port! > 0, 'bound to an ephemeral port')
  t.match((await app.health.report()).grpc, { status: 'up', critical: false, port: app.grpcServer!.port })
  const call = client(t, services.IrisInferenceService, app.grpcServer!.port!)
  const expected = await directPredict('iris')
  const one = await call('Classify', sample(ROWS[0]))
  t.match(one, { predicted_class: 'setosa', predicted_class_index: 0, all_classes: ['setosa', 'versicolor', 'virginica'], model_name: 'iris', model_version: '1' })
  t.ok(close([one.probabilities], [expected.probabilities[0]]), 'probabilities equal the direct run')
  t.equal(one.confidence, Math.max(...one.probabilities))

  const batch = await call('ClassifyBatch', { instances: ROWS.map(sample), model: 'iris_mlp', version: '1' })
  t.equal(batch.batch_size, 3)
  t.same(batch.predictions.map((p: { predicted_class: string }) => p.predicted_class), ['setosa', 'versicolor', 'virginica'])
  const mlp = await directPredict('iris_mlp')
  t.ok(close(batch.predictions.map((p: { probabilities: number[] }) => p.probabilities), mlp.probabilities))

  t.same(await call('Health', {}), { status: 'SERVING', model_loaded: true, default_model: 'iris', default_version: '1', models: ['iris/1', 'iris_mlp/1'] })
  await t.rejects(call('Classify', { ...sample(ROWS[0]), model: 'nope' }), { code: grpc.status.NOT_FOUND })
  const text = await app.metrics.registry.metrics()
  t.match(text, /grpc_server_handled_total\{grpc_service="iris.InferenceService",grpc_method="Classify",grpc_code="OK"\} 1\n/)
  t.match(text, /grpc_server_handled_total\{grpc_service="iris.InferenceService",grpc_method="Classify",grpc_code="NOT_FOUND"\} 1\n/)
  t.match(text, /grpc_server_handling_seconds_count\{grpc_service="iris.InferenceService",grpc_method="ClassifyBatch"\} 1\n/)
})

t.test('iris service errors carry gRPC status codes', async (t) => {
  const app = await grpcFront(t, { MAX_BATCH_INSTANCES: '2' })
  const call = client(t, services.IrisInferenceService, app.grpcServer!.port!)
  await t.rejects(call('Classify', { ...sample(ROWS[0]), model: 'nope' }), { code: grpc.status.NOT_FOUND, details: "Model 'nope' not found" })
  await t.rejects(call('Classify', { ...sample(ROWS[0]), version: '7' }), { code: grpc.status.NOT_FOUND, details: "Model 'iris' has no version '7'" })
  await t.rejects(call('ClassifyBatch', { instances: [] }), { code: grpc.status.INVALID_ARGUMENT, details: 'instances must hold 1 to 2 samples, got 0' })
  await t.rejects(call('ClassifyBatch', { instances: ROWS.map(sample) }), { code: grpc.status.INVALID_ARGUMENT, details: 'instances must hold 1 to 2 samples, got 3' })
  await t.rejects(call('Classify', { ...sample(ROWS[0]), petal_width: Number.NaN }), { code: grpc.status.INVALID_ARGUMENT, details: 'petal_width must be a finite number' })
  await t.rejects(call('Classify', { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4 }), { code: grpc.status.INVALID_ARGUMENT, details: 'petal_width is required' })
  await t.rejects(call('ClassifyBatch', { instances: [sample(ROWS[0]), { sepal_length: 1 }] }), { code: grpc.status.INVALID_ARGUMENT, details: 'instances[1].sepal_width is required' })
  const zero = await call('Classify', { sepal_length: 0, sepal_width: 0, petal_length: 0, petal_width: 0 })
  t.equal(zero.all_classes.length, 3, 'an explicit 0 is a value, not a missing field')
})

t.test('GRPCInferenceService: health, metadata, config, index, stats and ModelInfer (raw and typed contents)', async (t) => {
  const app = await grpcFront(t)
  const call = client(t, services.GRPCInferenceService, app.grpcServer!.port!)
  t.same(await call('ServerLive', {}), { live: true })
  t.same(await call('ServerReady', {}), { ready: true })
  t.same(await call('ModelReady', { name: 'iris_onnx', version: '' }), { ready: true })
  t.same(await call('ModelReady', { name: 'nope', version: '' }), { ready: false }, 'not ready is an answer, not an error')
  t.match(await call('ServerMetadata', {}), { name: 'inference-gateway', extensions: ['binary_tensor_data', 'classification', 'model_configuration', 'statistics', 'model_repository'] })
  t.same(await call('ModelMetadata', { name: 'iris_mlp', version: '1' }), {
    name: 'iris_mlp',
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }, { name: 'label', datatype: 'INT64', shape: [-1] }]
  })
  const config = (await call('ModelConfig', { name: 'iris' })).config
  t.match(config, { name: 'iris', platform: 'onnxruntime_onnx', backend: 'onnxruntime', max_batch_size: 1000, input: [{ name: 'float_input', data_type: 'TYPE_FP32', dims: [4] }] })
  t.same((await call('RepositoryIndex', { ready: true })).models.map((m: { name: string }) => m.name), ['iris', 'iris_mlp', 'iris_onnx'])

  const expected = await directPredict('iris')
  const raw = await call('ModelInfer', {
    model_name: 'iris_onnx',
    id: 'g-1',
    inputs: [{ name: 'float_input', datatype: 'FP32', shape: [3, 4] }],
    raw_input_contents: [Buffer.from(Float32Array.from(ROWS.flat()).buffer)]
  })
  t.match(raw, { model_name: 'iris_onnx', model_version: '1', id: 'g-1' })
  t.same(raw.outputs.map((o: { name: string, datatype: string, shape: number[] }) => [o.name, o.datatype, o.shape]), [['probabilities', 'FP32', [3, 3]], ['label', 'INT64', [3]]])
  const probs = raw.raw_output_contents[0] as Buffer
  const labels = raw.raw_output_contents[1] as Buffer
  t.equal(probs.length, 36)
  const p = Array.from({ length: 9 }, (_, i) => probs.readFloatLE(i * 4))
  t.ok(close([p.slice(0, 3), p.slice(3, 6), p.slice(6)], expected.probabilities), 'little-endian float32 probabilities equal the direct run')
  t.same([0, 1, 2].map((i) => Number(labels.readBigInt64LE(i * 8))), expected.labels)

  const typed = await call('ModelInfer', { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: ROWS[2] } }], outputs: [{ name: 'label' }] })
  t.equal(typed.outputs.length, 1)
  t.equal(Number((typed.raw_output_contents[0] as Buffer).readBigInt64LE(0)), 2)

  const stats = (await call('ModelStatistics', { name: 'iris', version: '' })).model_stats[0]
  t.match(stats, { name: 'iris', version: '1', inference_count: 4, execution_count: 2 })
  t.equal(stats.inference_stats.success.count, 2)
})

t.test('ModelInfer errors carry Triton\'s gRPC codes', async (t) => {
  const app = await grpcFront(t)
  const call = client(t, services.GRPCInferenceService, app.grpcServer!.port!)
  const input = { name: 'float_input', datatype: 'FP32', shape: [1, 4] }
  const four = Buffer.from(Float32Array.from(ROWS[0]).buffer)
  await t.rejects(call('ModelInfer', { model_name: 'nope', inputs: [input], raw_input_contents: [four] }), { code: grpc.status.NOT_FOUND, details: "Model 'nope' not found" })
  await t.rejects(call('ModelInfer', { model_name: 'iris', inputs: [{ ...input, shape: [2, 4] }], raw_input_contents: [four] }), { code: grpc.status.INVALID_ARGUMENT, details: "unexpected total byte size 16 for inference input 'float_input', expecting 32" })
  await t.rejects(call('ModelInfer', { model_name: 'iris', inputs: [{ ...input, contents: { fp32_contents: ROWS[0] } }], raw_input_contents: [four] }), { code: grpc.status.INVALID_ARGUMENT, details: "contents field must not be specified when using raw_input_contents for 'float_input'" })
  await t.rejects(call('ModelInfer', { model_name: 'iris', inputs: [{ ...input, datatype: 'INT64' }], raw_input_contents: [four] }), { code: grpc.status.INVALID_ARGUMENT, details: "inference input 'float_input' data-type is 'INT64', but model 'iris' expects 'FP32'" })
  await t.rejects(call('ModelMetadata', { name: 'iris', version: 'x' }), { code: grpc.status.INVALID_ARGUMENT, details: "model version 'x' must be a number" })
})

t.test('undecodable messages are INVALID_ARGUMENT: garbage bytes, a truncated field, non-finite tensors', async (t) => {
  const app = await grpcFront(t)
  const port = app.grpcServer!.port!
  const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())
  t.teardown(() => raw.close())
  // Bytes sent as they are, past the client's own encoder.
  const send = (path: string, bytes: Buffer) => new Promise<grpc.ServiceError>((resolve, reject) => {
    raw.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => b, bytes, { deadline: Date.now() + 10_000 }, (err) => err !== null ? resolve(err) : reject(new Error('decoded')))
  })
  const infer = '/inference.GRPCInferenceService/ModelInfer'
  const garbage = await send(infer, Buffer.from('garbage bytes here!!'))
  t.equal(garbage.code, grpc.status.INVALID_ARGUMENT)
  t.match(garbage.details, /^cannot decode the request message: invalid wire type/)
  // model_name (field 1) says 5 bytes, 1 follows: protobufjs would read a Buffer as model_name 'i'.
  const truncated = await send(infer, Buffer.from([0x0a, 0x05, 0x69]))
  t.equal(truncated.code, grpc.status.INVALID_ARGUMENT)
  t.match(truncated.details, /^cannot decode the request message: index out of range/)
  const iris = await send('/iris.InferenceService/Classify', Buffer.from([0x0d, 0x00]))
  t.equal(iris.code, grpc.status.INVALID_ARGUMENT, 'the iris service decodes strictly too')

  const call = client(t, services.GRPCInferenceService, port)
  const input = { name: 'float_input', datatype: 'FP32', shape: [1, 4] }
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const bytes = Buffer.from(Float32Array.from([5.1, bad, 1.4, 0.2]).buffer)
    await t.rejects(call('ModelInfer', { model_name: 'iris', inputs: [input], raw_input_contents: [bytes] }), {
      code: grpc.status.INVALID_ARGUMENT, details: `inference input 'float_input' element 1 is ${String(bad)}, not a finite float32`
    })
  }
  // The same request decodes and is answered once it is well formed.
  const ok = await call('ModelInfer', { model_name: 'iris', inputs: [input], raw_input_contents: [Buffer.from(Float32Array.from(ROWS[0]).buffer)] })
  t.equal(ok.model_name, 'iris')
})

t.test('a full batching queue is UNAVAILABLE (14), as Triton answers', async (t) => {
  const app = await grpcFront(t, { BATCH_MAX_QUEUE: '1' })
  const call = client(t, services.GRPCInferenceService, app.grpcServer!.port!)
  const request = { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [3, 4] }], raw_input_contents: [Buffer.from(Float32Array.from(ROWS.flat()).buffer)] }
  const results = await Promise.allSettled(Array.from({ length: 40 }, () => call('ModelInfer', request)))
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
  t.ok(results.some((r) => r.status === 'fulfilled'), 'the first calls are served')
  t.ok(refused.length > 0, `${refused.length} of 40 refused`)
  t.match(refused[0].reason, { code: grpc.status.UNAVAILABLE, details: "Inference queue for model 'iris' is full (1 requests waiting); retry later" })
  t.ok(refused.every((r) => r.reason.code === grpc.status.UNAVAILABLE))
})

t.test('both gRPC services share the adaptive batcher (one model run)', async (t) => {
  const app = await grpcFront(t, { BATCH_MAX_QUEUE_DELAY_MICROS: '1000000' })
  const iris = client(t, services.IrisInferenceService, app.grpcServer!.port!)
  const v2 = client(t, services.GRPCInferenceService, app.grpcServer!.port!)
  const [one, infer] = await Promise.all([
    iris('Classify', sample(ROWS[1])),
    v2('ModelInfer', { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4] }], raw_input_contents: [Buffer.from(Float32Array.from([...ROWS[0], ...ROWS[2]]).buffer)], outputs: [{ name: 'label' }] })
  ])
  t.equal(one.predicted_class, 'versicolor')
  t.same([0, 1].map((i) => Number((infer.raw_output_contents[0] as Buffer).readBigInt64LE(i * 8))), [0, 2])
  t.match(app.kserve.statistics('iris').model_stats[0], { inference_count: 3, execution_count: 1 })
})

t.test('GRPC_ENABLED=false serves nothing; a taken port is reported, not fatal', async (t) => {
  const off = await grpcFront(t, { GRPC_ENABLED: 'false' })
  t.equal(off.grpcServer, null)
  t.same((await off.health.report()).grpc, { status: 'disabled', critical: false })

  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const taken = (blocker.address() as { port: number }).port
  const app = await grpcFront(t, { GRPC_PORT: String(taken) })
  t.equal(app.grpcServer!.port, null)
  const state = (await app.health.report()).grpc
  t.equal(state.status, 'down')
  t.match(state.error, new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${taken}: `))
})
