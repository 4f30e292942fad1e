// Differential conformance: the same tritonclient script (HTTP binary / JSON / async, gRPC unary and
// streaming, classification, statistics, errors, repository unload / load) against the gateway and
// against the real tritonserver (PyTriton 0.7) serving the same iris model. For every call both
// support: the same outputs (within 1e-5) and the same error class.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { assertVenv, venvPython } from '../helpers/python.js'
import { close, ROWS } from '../helpers/direct.js'
import { startTriton } from '../helpers/triton.js'
import { projectRoot } from '../../services/lib/project-root.js'

function runScript (http: string, grpc: string): Promise<any> {
  assertVenv()
  return new Promise((resolve, reject) => {
    const child = execFile(venvPython, [join(projectRoot, 'test', 'python', 'triton_differential.py'), http, grpc, 'iris_onnx', 'repository-admin-token'], { timeout: 120_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`triton_differential.py failed: ${stderr.slice(-3000)}`, { cause: err }))
      else resolve(JSON.parse(stdout))
    })
    child.stdin!.end(JSON.stringify({ rows: ROWS }))
  })
}

interface Values { probabilities: number[][], label: number[] }
const sameValues = (a: Values, b: Values) => close(a.probabilities, b.probabilities, 1e-5) && JSON.stringify(a.label) === JSON.stringify(b.label)
const sameClasses = (a: string[][][], b: string[][][]) => a.length === b.length && a.every((row, r) => row.length === b[r].length &&
  row.every(([score, index], k) => index === b[r][k][1] && Math.abs(Number(score) - Number(b[r][k][0])) <= 1e-5))

t.test('tritonclient gets the same answers and error classes from the gateway and from tritonserver', async (t) => {
  const triton = await startTriton(t)
  const app = await buildTestApp(t, { GRPC_HOST: '127.0.0.1', ADMIN_TOKEN: 'repository-admin-token', CACHE_ENABLED: 'false' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const gw = await runScript(`127.0.0.1:${port}`, `127.0.0.1:${app.grpcServer!.port}`)
  const tr = await runScript(triton.httpUrl.replace('http://', ''), triton.grpcUrl)

  for (const call of ['http_binary', 'http_json', 'http_async', 'grpc']) {
    t.ok(gw[call].ok !== undefined && tr[call].ok !== undefined, `${call}: both answer`)
    t.ok(sameValues(gw[call].ok, tr[call].ok), `${call}: same probabilities (1e-5) and labels`)
  }
  for (const call of ['http_classification', 'http_json_classification', 'grpc_classification']) {
    t.ok(sameClasses(gw[call].ok, tr[call].ok), `${call}: same "score:index" top 2 (Triton has no labels for this model; the gateway adds the class names)`)
  }
  t.equal(gw.grpc_stream.length, 3)
  t.same(gw.grpc_stream.map((a: { error?: string, id?: string }) => a.error ?? a.id), tr.grpc_stream.map((a: { error?: string, id?: string }) => a.error ?? a.id), 'stream: same answers in the same order, the same request failing in-stream')
  t.same(gw.grpc_stream.map((a: { error?: string, id?: string }) => a.error ?? a.id), ['a', 'in-stream', 'c'])
  t.ok(sameValues(gw.grpc_stream[2].ok, tr.grpc_stream[2].ok), 'stream: same values')
  t.same([gw.http_stats, gw.grpc_stats], [tr.http_stats, tr.grpc_stats], 'statistics: the same inference_count over HTTP and gRPC')
  t.same(gw.http_stats, { ok: 23 })

  for (const call of ['http_bad_shape', 'grpc_bad_shape', 'http_wrong_input', 'http_unknown_model', 'grpc_unknown_model', 'http_unknown_output']) {
    t.equal(gw[call].error, tr[call].error, `${call}: the same error class (${tr[call].error})`)
  }
  t.equal(gw.http_unknown_output.message, tr.http_unknown_output.message)

  // Repository: unload works on both. PyTriton binds its models at start-up and cannot load them
  // again from its repository ("failed to poll from model repository"), so load is checked on the gateway.
  for (const call of ['http_unload', 'grpc_unload']) t.same([gw[call], tr[call]], [{ ok: null }, { ok: null }], `${call}: both succeed`)
  t.same([gw.http_ready_after_unload, tr.http_ready_after_unload, gw.grpc_ready_after_unload, tr.grpc_ready_after_unload], [false, false, false, false])
  t.match(tr.http_load, { error: '500', message: /failed to poll from model repository/ })
  t.same([gw.http_load, gw.http_ready_after_load, gw.grpc_load, gw.grpc_ready_after_load], [{ ok: null }, true, { ok: null }, true])
  t.ok(sameValues(gw.after_reload.ok, gw.grpc.ok), 'the reloaded model answers as before')
})
