// NVIDIA's official Python clients against the gateway: tritonclient.http (its default binary
// mode, and JSON) on the V2 REST front and tritonclient.grpc on the gRPC front. Their results must
// equal onnxruntime run directly on the same model.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { assertVenv, venvPython } from '../helpers/python.js'
import { close, directPredict, ROWS } from '../helpers/direct.js'
import { projectRoot } from '../../services/lib/project-root.js'

function runClients (http: string, grpc: string, model: string): Promise<any> {
  assertVenv()
  return new Promise((resolve, reject) => {
    const child = execFile(venvPython, [join(projectRoot, 'test', 'python', 'tritonclient_check.py'), http, grpc, model], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`tritonclient_check.py failed: ${stderr.slice(-3000)}`, { cause: err }))
      else resolve(JSON.parse(stdout))
    })
    child.stdin!.end(JSON.stringify({ rows: ROWS }))
  })
}

t.test('tritonclient http (binary, JSON, gzip-compressed) and grpc get the local predictions from the gateway', async (t) => {
  const app = await buildTestApp(t, { GRPC_HOST: '127.0.0.1' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const out = await runClients(`127.0.0.1:${port}`, `127.0.0.1:${app.grpcServer!.port}`, 'iris_onnx')
  const expected = await directPredict('iris')

  for (const via of ['http_binary', 'http_json', 'http_gzip', 'grpc']) {
    t.ok(close(out[via].probabilities, expected.probabilities), `${via}: probabilities equal the direct onnxruntime run`)
    t.same(out[via].label, expected.labels, `${via}: labels`)
    t.equal(out[via].id, 'req-7', `${via}: request id echoed`)
    t.equal(out[via].model_version, '1')
  }
  for (const p of ['http', 'grpc']) {
    t.equal(out[`${p}_live`], true)
    t.equal(out[`${p}_ready`], true)
    t.equal(out[`${p}_model_ready`], true)
    t.equal(out[`${p}_server_metadata`].name, 'inference-gateway')
    t.equal(out[`${p}_model_metadata`].platform, 'onnxruntime_onnx')
    t.same(out[`${p}_model_metadata`].inputs[0].name, 'float_input')
  }
  t.same(out.http_model_config.input, [{ name: 'float_input', data_type: 'TYPE_FP32', dims: [4] }])
  t.same(out.grpc_model_config.config.input, [{ name: 'float_input', data_type: 'TYPE_FP32', dims: ['4'] }], 'protobuf JSON prints int64 as strings')
  // Inferences of three rows before each client read the statistics: binary, JSON, gzip; then gRPC.
  t.equal(out.http_stats.model_stats[0].inference_count, 9)
  t.equal(out.grpc_stats.model_stats[0].inference_count, '12')
  t.same(out.http_index.map((m: { name: string }) => m.name), ['iris', 'iris_mlp', 'iris_onnx'])
  t.same(out.grpc_index.models.map((m: { name: string }) => m.name), ['iris', 'iris_mlp', 'iris_onnx'])
  t.same(out.http_unknown_model, { status: '404', message: "Model 'no_such_model' not found" })
  t.same(out.grpc_unknown_model, { status: 'StatusCode.NOT_FOUND', message: "Model 'no_such_model' not found" })
  const shape = "unexpected shape for input 'float_input' for model 'iris_onnx'. Expected [-1,4], got [1,3]"
  t.same(out.http_bad_shape, { status: '400', message: shape })
  t.same(out.grpc_bad_shape, { status: 'StatusCode.INVALID_ARGUMENT', message: shape })
})
