// tfServingClient: REST against the gateway's own TF-Serving-compatible front (listening on a real
// port), gRPC against the PredictionService double; values equal the local ONNX predictions.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import healthPlugin from '../../plugins/health.js'
import tfServingClientPlugin from '../../plugins/tf-serving-client.js'
import { freePort } from '../../bench/lib.js'
import { buildTestApp } from '../helpers/app.js'
import { startTfServingGrpcDouble } from '../helpers/tf-serving-double.js'

const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]

async function clientOnly (env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(healthPlugin)
  await app.register(tfServingClientPlugin)
  await app.ready()
  t.teardown(() => app.close())
  return app
}

function close (t: Test, actual: number[][], expected: number[][]) {
  t.equal(actual.length, expected.length)
  actual.forEach((row, r) => row.forEach((p, k) => t.ok(Math.abs(p - expected[r][k]) <= 1e-6, `row ${r} p${k}: ${p} vs ${expected[r][k]}`)))
}

t.test('REST and gRPC predictions, status, metadata, errors', async (t) => {
  const gateway = await buildTestApp(t)
  await gateway.listen({ port: 0, host: '127.0.0.1' })
  const restUrl = `http://127.0.0.1:${(gateway.server.address() as { port: number }).port}`
  const double = await startTfServingGrpcDouble(t)
  const model = gateway.onnx.get('iris')
  const local = await gateway.onnx.predict(model, Float32Array.from(ROWS.flat()), 3)
  const expected = ROWS.map((_, r) => Array.from(local.probabilities.subarray(r * 3, r * 3 + 3)))

  const app = await clientOnly({ TF_SERVING_URL: restUrl, TF_SERVING_GRPC_URL: double.url })
  const tfs = app.tfServingClient

  const row = await tfs.predictRest('iris', ROWS, 'row')
  close(t, row.probabilities, expected)
  const columnar = await tfs.predictRest('iris', ROWS, 'columnar', '1')
  close(t, columnar.probabilities, expected)
  t.equal(columnar.modelVersion, '1')

  const viaGrpc = await tfs.predictGrpc('iris', 'float_input', Float32Array.from(ROWS.flat()), 3)
  close(t, viaGrpc.probabilities, expected)
  t.equal(viaGrpc.modelVersion, '1')
  t.match(double.calls[0], { model_spec: { name: 'iris', signature_name: 'serving_default' }, inputs: { float_input: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 3 }, { size: 4 }] } } } })

  const status = await tfs.status('iris')
  t.match(status.model_version_status, [{ version: '1', state: 'AVAILABLE' }])
  t.match(await tfs.metadata('iris'), { model_spec: { name: 'iris' }, metadata: { signature_def: { signature_def: { serving_default: { inputs: {} } } } } })
  t.match((await app.health.report()).tf_serving, { status: 'up', critical: false, model: 'iris', versions: ['1'], protocol: 'rest' })

  await t.rejects(tfs.predictRest('nope', ROWS), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND', message: /^TF Serving has no model 'nope': Servable not found for request: Latest\(nope\)/ })
  await t.rejects(tfs.predictGrpc('nope', 'float_input', Float32Array.from(ROWS.flat()), 3), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND' })
  await t.rejects(tfs.predictRest('iris', [[1, 2]]), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: /^TF Serving sent an invalid answer: HTTP 400/ })
})

t.test('a down TF Serving is a 503 naming it; unset is disabled', async (t) => {
  const port = await freePort()
  const down = await clientOnly({ TF_SERVING_URL: `http://127.0.0.1:${port}`, TF_SERVING_GRPC_URL: `127.0.0.1:${port}` })
  await t.rejects(down.tfServingClient.predictRest('iris', ROWS), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^TF Serving is unavailable: ECONNREFUSED/ })
  await t.rejects(down.tfServingClient.predictGrpc('iris', 'float_input', Float32Array.from(ROWS.flat()), 3), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE' })
  t.match((await down.health.report()).tf_serving, { status: 'down', critical: false })
  const off = await clientOnly({})
  t.same((await off.health.report()).tf_serving, { status: 'disabled', critical: false })
  t.throws(() => off.tfServingClient.assertEnabled(), { statusCode: 503, code: 'GW_UPSTREAM_NOT_CONFIGURED' })
})
