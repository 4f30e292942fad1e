// NVIDIA's official tritonclient (HTTP and gRPC) against the gateway's Triton extensions: gRPC
// streaming, classification and the model repository (load / unload with the admin token).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { assertVenv, venvPython } from '../helpers/python.js'
import { directPredict, ROWS } from '../helpers/direct.js'
import { projectRoot } from '../../services/lib/project-root.js'

function runClients (http: string, grpc: string, token: string): Promise<any> {
  assertVenv()
  return new Promise((resolve, reject) => {
    const child = execFile(venvPython, [join(projectRoot, 'test', 'python', 'tritonclient_extensions.py'), http, grpc, token], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`tritonclient_extensions.py failed: ${stderr.slice(-3000)}`, { cause: err }))
      else resolve(JSON.parse(stdout))
    })
    child.stdin!.end(JSON.stringify({ rows: ROWS }))
  })
}

t.test('tritonclient: streaming, classification and repository load / unload against the gateway', async (t) => {
  const app = await buildTestApp(t, { GRPC_HOST: '127.0.0.1', ADMIN_TOKEN: 'repository-admin-token', CACHE_ENABLED: 'false' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const out = await runClients(`127.0.0.1:${port}`, `127.0.0.1:${app.grpcServer!.port}`, 'repository-admin-token')
  const expected = await directPredict('iris')
  const classes = ['setosa', 'versicolor', 'virginica']
  const top2 = expected.probabilities.map((row) => row.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 2)
    .map(([p, i]) => `${p.toFixed(6)}:${i}:${classes[i]}`))

  for (const via of ['http_binary', 'http_json', 'grpc']) {
    t.same(out[`classify_${via}`], { values: top2, datatype: 'BYTES' }, `classification over ${via}`)
  }

  t.same(out.stream, [
    { error: null, id: 's1', label: [0, 1, 2] },
    { error: "unexpected shape for input 'float_input' for model 'iris'. Expected [-1,4], got [3,3]", id: null, label: null },
    { error: null, id: 's3', label: [0] }
  ], 'one answer per request, in order, the error in-stream')
  // Inferences of iris before the statistics: 3 rows (HTTP binary), 3 (JSON), 3 (gRPC), 3 (stream s1), 1 (s3 via iris_onnx).
  t.equal(out.grpc_stats_after_stream, '13')

  t.same(out.http_unload_anonymous, { status: '401', message: 'A valid admin bearer token is required' })
  t.equal(out.http_ready_after_unload, false)
  t.same(out.http_index_after_unload, [{ name: 'iris_mlp', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' }])
  t.equal(out.http_ready_after_load, true)
  t.same(out.grpc_unload_anonymous, { status: 'StatusCode.UNAUTHENTICATED', message: 'A valid admin bearer token is required' })
  t.equal(out.grpc_ready_after_unload, false)
  t.match(out.grpc_infer_unloaded, { status: 'StatusCode.NOT_FOUND', message: /^Request for unknown model: 'iris_mlp' has no available versions/ })
  t.equal(out.grpc_ready_after_load, true)
  t.same(out.grpc_load_unknown, { status: 'StatusCode.NOT_FOUND', message: "Model 'nope' not found" })
  t.same(out.http_load_unknown, { status: '404', message: "Model 'nope' not found" })
})
