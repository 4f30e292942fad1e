// Differential conformance against MLServer (PyPI mlserver + mlserver-sklearn, .venv-mlserver)
// serving the gateway's Iris model as a scikit-learn model with the very same trees: first the
// scikit-learn estimator is checked against the ONNX model (onnxruntime, 150 rows, within 1e-5),
// then the same tritonclient script as the tritonserver differential (test/python/triton_differential.py)
// runs against both servers. For every call both support: the same outputs within 1e-5 and the same
// error class; the calls MLServer does not support are listed and asserted, so the list is explicit.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { prepareMlserverModel, startMlserver } from '../../bench/peer-mlserver.js'
import { buildTestApp } from '../helpers/app.js'
import { assertVenv, venvPython } from '../helpers/python.js'
import { close, directPredict, ROWS } from '../helpers/direct.js'
import { projectRoot } from '../../services/lib/project-root.js'

const MODEL = 'iris_onnx'

function runScript (http: string, grpc: string, names: Record<string, string>): Promise<any> {
  assertVenv()
  return new Promise((resolve, reject) => {
    const args = [join(projectRoot, 'test', 'python', 'triton_differential.py'), http, grpc, MODEL, 'repository-admin-token', JSON.stringify(names)]
    const child = execFile(venvPython, args, { timeout: 180_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`triton_differential.py failed: ${stderr.slice(-3000)}`, { cause: err }))
      else resolve(JSON.parse(stdout))
    })
    child.stdin!.end(JSON.stringify({ rows: ROWS }))
  })
}

interface Values { probabilities: number[][], label: number[] }
const sameValues = (a: Values, b: Values) => close(a.probabilities, b.probabilities, 1e-5) && JSON.stringify(a.label) === JSON.stringify(b.label)

/**
 * What MLServer 1.7 (mlserver-sklearn) does not support, or answers with another error class, by
 * call of the script, with MLServer's error class. Its HTTP front refuses every binary-tensor body
 * (422 JSON decode error), so the script's binary calls and the error cases sent as binary fail there
 * before MLServer looks at them.
 */
const UNSUPPORTED: Record<string, [string, string]> = {
  http_binary: ['422', 'binary tensor data extension'],
  http_async: ['422', 'binary tensor data extension (tritonclient\'s async_infer sends binary)'],
  http_classification: ['422', 'binary tensor data extension'],
  http_json_classification: ['client', 'classification extension: class_count ignored, raw probabilities come back'],
  grpc_classification: ['client', 'classification extension: class_count ignored, raw probabilities come back'],
  http_stats: ['404', 'statistics extension'],
  grpc_stats: ['StatusCode.UNIMPLEMENTED', 'ModelStatistics'],
  http_bad_shape: ['422', 'binary body refused before the shape check'],
  http_wrong_input: ['422', 'binary body refused before the input-name check'],
  http_unknown_output: ['422', 'binary body refused before the output check'],
  grpc_bad_shape: ['StatusCode.INTERNAL', 'scikit-learn\'s ValueError surfaces as INTERNAL (the gateway: INVALID_ARGUMENT)']
}

t.test('tritonclient gets the same answers and error classes from the gateway and from MLServer', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-mlserver-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const sk = await prepareMlserverModel(dir, MODEL)
  // The scikit-learn estimator MLServer serves is the gateway's ONNX model: same probabilities, same labels.
  const onnx = await directPredict('iris', sk.rows)
  t.equal(sk.rows.length, 150)
  t.ok(close(onnx.probabilities, sk.predict_proba, 1e-5), 'ONNX == scikit-learn predict_proba within 1e-5 on the 150 Iris rows')
  t.same(onnx.labels, sk.predict, 'and the same predicted classes')

  const mlserver = await startMlserver(dir, MODEL)
  t.teardown(mlserver.stop)
  // The gateway serves models/iris under Triton's name too (iris_onnx), as the tritonserver differential uses.
  const app = await buildTestApp(t, { GRPC_HOST: '127.0.0.1', ADMIN_TOKEN: 'repository-admin-token', CACHE_ENABLED: 'false', PLUGIN_TIMEOUT_MS: '240000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const gw = await runScript(`127.0.0.1:${port}`, `127.0.0.1:${app.grpcServer!.port}`, { probabilities: 'probabilities', label: 'label' })
  const ml = await runScript(mlserver.httpUrl.replace('http://', ''), mlserver.grpcUrl, { probabilities: 'predict_proba', label: 'predict' })

  // Inference over HTTP (JSON tensors) and gRPC: the same values.
  for (const call of ['http_json', 'grpc']) {
    t.ok(gw[call].ok !== undefined && ml[call].ok !== undefined, `${call}: both answer (${JSON.stringify(ml[call].error ?? '')})`)
    if (gw[call].ok !== undefined && ml[call].ok !== undefined) t.ok(sameValues(gw[call].ok, ml[call].ok), `${call}: same probabilities (1e-5) and labels`)
  }
  const direct = await directPredict('iris')
  t.ok(sameValues(gw.grpc.ok, { probabilities: direct.probabilities, label: direct.labels }), 'and they are onnxruntime\'s')

  // Repository extension: unload / load over HTTP and gRPC on both, readiness following.
  for (const call of ['http_unload', 'http_load', 'grpc_unload', 'grpc_load']) t.same([gw[call], ml[call]], [{ ok: null }, { ok: null }], `${call}: both succeed`)
  t.same([gw.http_ready_after_unload, ml.http_ready_after_unload, gw.http_ready_after_load, ml.http_ready_after_load, gw.grpc_ready_after_load, ml.grpc_ready_after_load], [false, false, true, true, true, true])
  t.equal(gw.grpc_ready_after_unload, false)
  t.equal(ml.grpc_ready_after_unload, null, 'MLServer: gRPC ModelReady on an unloaded model is a NOT_FOUND error, not false')
  t.ok(sameValues(gw.after_reload.ok, ml.after_reload.ok), 'after reload: the same values')
  // Errors both support: the same class.
  t.same([gw.http_unknown_model.error, ml.http_unknown_model.error], ['404', '404'])
  t.same([gw.grpc_unknown_model.error, ml.grpc_unknown_model.error], ['StatusCode.NOT_FOUND', 'StatusCode.NOT_FOUND'])

  // Supported by the gateway, not (or otherwise) by MLServer: asserted one by one.
  for (const [call, [mlClass, what]] of Object.entries(UNSUPPORTED)) {
    t.equal(ml[call].error, mlClass, `${call}: MLServer ${mlClass} (${what})`)
    if (call.includes('bad_shape') || call.includes('wrong_input') || call.includes('unknown_output')) {
      t.ok(['400', 'StatusCode.INVALID_ARGUMENT'].includes(gw[call].error), `${call}: the gateway refuses it as the client's error (${gw[call].error})`)
    } else {
      t.ok(gw[call].ok !== undefined, `${call}: the gateway answers`)
    }
  }
  // ModelStreamInfer: the gateway answers in order with the bad request failing in-stream; MLServer
  // fails the stream (the scikit-learn runtime has no predict_stream) and tritonclient never closes it.
  t.same(gw.grpc_stream.map((a: { error?: string, id?: string }) => a.error ?? a.id), ['a', 'in-stream', 'c'])
  t.same(ml.grpc_stream_errors, [{ error: 'StatusCode.DEADLINE_EXCEEDED', message: 'the stream did not close within 60 s' }])
  t.same(gw.http_stats, { ok: 23 }, 'the gateway counts every row served, as in the tritonserver differential')
})
