// tritonClient against the real Triton (PyTriton's tritonserver running Python onnxruntime on models/iris/1):
// HTTP JSON, HTTP binary and gRPC all give onnxruntime-node's local probabilities; failures carry codes.
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import Fastify from 'fastify'
import * as ort from 'onnxruntime-node'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import healthPlugin from '../../plugins/health.js'
import tritonClientPlugin from '../../plugins/triton-client.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { freePort } from '../../bench/lib.js'
import { startTriton } from '../helpers/triton.js'

const ROWS = new Float32Array([5.1, 3.5, 1.4, 0.2, 6.4, 3.2, 4.5, 1.5, 6.3, 3.3, 6.0, 2.5, 5.9, 3.0, 5.1, 1.8])
const spec = { input: 'float_input', rows: ROWS, nRows: 4, outputs: ['label', 'probabilities'] }

async function tritonOnly (env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(healthPlugin)
  await app.register(tritonClientPlugin)
  await app.ready()
  t.teardown(() => app.close())
  return app
}

t.test('against the real Triton', async (t) => {
  const triton = await startTriton(t)
  const session = await ort.InferenceSession.create(join(projectRoot, 'models/iris/1/model.onnx'))
  const local = await session.run({ float_input: new ort.Tensor('float32', ROWS, [4, 4]) })
  const localProbs = Array.from(local.probabilities.data as Float32Array)
  const localLabels = Array.from(local.label.data as BigInt64Array, Number)
  t.same(localLabels, [0, 1, 2, 2])

  const app = await tritonOnly({ TRITON_URL: triton.httpUrl, TRITON_GRPC_URL: triton.grpcUrl, SERVING_TIMEOUT_MS: '5000' })
  const { tritonClient } = app

  for (const protocol of ['http-json', 'http-binary', 'grpc'] as const) {
    t.test(protocol, async (t) => {
      const res = await tritonClient.infer(protocol, 'iris_onnx', '', spec)
      t.equal(res.modelName, 'iris_onnx')
      t.equal(res.modelVersion, '1')
      t.same(res.outputs.probabilities.shape, [4, 3])
      t.equal(res.outputs.probabilities.datatype, 'FP32')
      res.outputs.probabilities.data.forEach((p, i) => t.ok(Math.abs(p - localProbs[i]) <= 1e-6, `p[${i}] ${p} vs ${localProbs[i]}`))
      t.same(res.outputs.label.data, localLabels)
      t.equal(res.outputs.label.datatype, 'INT64')
    })
  }

  t.test('readiness, metadata and /health', async (t) => {
    t.equal(await tritonClient.serverReady(), true)
    t.equal(await tritonClient.modelReady('iris_onnx'), true)
    t.equal(await tritonClient.modelReady('no_such_model'), false)
    const meta = await tritonClient.metadata('iris_onnx') as { inputs: Array<{ name: string, shape: number[] }> }
    t.same(meta.inputs, [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }])
    const report = await app.health.report()
    t.same(report.triton, { status: 'up', critical: false, model: 'iris_onnx', model_ready: true, protocol: 'http-binary' })
  })

  t.test('an unknown model is a 404 with its code, over HTTP and gRPC', async (t) => {
    for (const protocol of ['http-json', 'grpc'] as const) {
      await t.rejects(tritonClient.infer(protocol, 'no_such_model', '', spec), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND', message: /^Triton has no model 'no_such_model': .*unknown model/ })
    }
  })

  t.test('Triton\'s own queue-full refusal is a 503 with its code; a slow answer past the deadline a 504', async (t) => {
    // iris_onnx_slow: 0.3 s per request, max_batch_size 1, max_queue_size 1.
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => tritonClient.infer('http-json', 'iris_onnx_slow', '', { ...spec, rows: ROWS.subarray(0, 4), nRows: 1 })))
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)
    t.ok(results.some((r) => r.status === 'fulfilled'), 'the first requests are served')
    t.ok(refused.length >= 4, `${refused.length} of 8 refused`)
    for (const err of refused) t.match(err, { statusCode: 503, code: 'GW_UPSTREAM_QUEUE_FULL', message: /^Triton refused the request, its queue is full: .*Exceeds maximum queue size/ })
    const hasty = await tritonOnly({ TRITON_URL: triton.httpUrl, TRITON_GRPC_URL: triton.grpcUrl, SERVING_TIMEOUT_MS: '100' })
    await t.rejects(hasty.tritonClient.infer('grpc', 'iris_onnx_slow', '', { ...spec, rows: ROWS.subarray(0, 4), nRows: 1 }), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Triton did not answer within 100 ms' })
    await new Promise((resolve) => setTimeout(resolve, 400)) // let the abandoned request finish before teardown
  })

  t.test('a wrong input is a 502 naming Triton (the gateway sent something Triton refused)', async (t) => {
    await t.rejects(tritonClient.infer('http-json', 'iris_onnx', '', { ...spec, input: 'x' }), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: /^Triton sent an invalid answer: HTTP 400/ })
  })
})

t.test('a down server is a 503 naming Triton, a silent one a 504 after the timeout', async (t) => {
  const closed = await freePort()
  const sockets = new Set<import('node:net').Socket>()
  const silent = createServer((s) => { sockets.add(s) }) // accepts connections, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); silent.close(resolve) }))
  const silentPort = (silent.address() as { port: number }).port

  const down = await tritonOnly({ TRITON_URL: `http://127.0.0.1:${closed}`, TRITON_GRPC_URL: `127.0.0.1:${closed}` })
  await t.rejects(down.tritonClient.infer('http-binary', 'iris_onnx', '', spec), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Triton is unavailable: ECONNREFUSED/ })
  await t.rejects(down.tritonClient.infer('grpc', 'iris_onnx', '', spec), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Triton is unavailable/ })
  t.match((await down.health.report()).triton, { status: 'down', critical: false, error: /ECONNREFUSED/ })

  const slow = await tritonOnly({ TRITON_URL: `http://127.0.0.1:${silentPort}`, TRITON_GRPC_URL: `127.0.0.1:${silentPort}`, SERVING_TIMEOUT_MS: '300' })
  await t.rejects(slow.tritonClient.infer('http-json', 'iris_onnx', '', spec), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Triton did not answer within 300 ms' })
  await t.rejects(slow.tritonClient.infer('grpc', 'iris_onnx', '', spec), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT' })

  const off = await tritonOnly({})
  t.same((await off.health.report()).triton, { status: 'disabled', critical: false })
  t.throws(() => off.tritonClient.assertEnabled(), { statusCode: 503, code: 'GW_UPSTREAM_NOT_CONFIGURED', message: 'Triton is not configured: set TRITON_URL or TRITON_GRPC_URL' })
})
