// Cost-bounded, value-checked input on every front (issue 13, deliverable 2): per-route body limits
// (a 30 MB V2 JSON body is refused at once with 413), deep nesting and non-finite or out-of-float32
// values are 400s naming the field, never 500s or logged stack traces, and the Iris feature bounds
// of the model's metadata (0..30 cm) refuse impossible rows before they are served or logged.
import { request as httpRequest } from 'node:http'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { buildApp } from '../../app.js'
import { irisRows } from '../helpers/drift.js'
import { SETOSA } from '../helpers/app.js'

/** The whole gateway with its log lines captured, so a test can assert nothing was logged as an error. */
async function gateway (t: Test, env: Record<string, string> = {}) {
  const lines: Array<{ level: number, msg: string, err?: { stack?: string } }> = []
  const stream = new Writable({ write (chunk: Buffer, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l)); done() } })
  const app = await buildApp({ env: { GRPC_PORT: '0', ...env, DATA_DIR: env.DATA_DIR ?? t.testdir({}) }, logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  await app.ready()
  return { app, lines }
}

const v2 = (data: unknown, shape = [1, 4]) => JSON.stringify({ inputs: [{ name: 'float_input', shape, datatype: 'FP32', data }] })
/** ~20 KB of JSON: a row inside `depth` arrays (built as text: JSON.stringify itself would overflow). */
const nested = (depth: number) => '['.repeat(depth) + '[5.1,3.5,1.4,0.2]' + ']'.repeat(depth)

/** Sends `size` bytes of a JSON-looking body over a real socket; resolves with the status and body of the answer. */
function postLarge (port: number, path: string, size: number, chunked: boolean): Promise<{ status: number, body: string, sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: chunked ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'content-length': String(size) } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { body += c })
      res.on('end', () => { req.destroy(); resolve({ status: res.statusCode ?? 0, body, sent }) })
    })
    // The server may answer and close before the body is sent: that is the point.
    req.on('error', (err) => { if (!req.destroyed || sent === 0) reject(err) })
    const chunk = Buffer.from('[' + '1.5,'.repeat(16383) + '1]') // 64 KiB of numbers
    const pump = () => {
      while (sent < size && !req.destroyed) {
        const n = Math.min(chunk.length, size - sent)
        sent += n
        if (!req.write(chunk.subarray(0, n))) { req.once('drain', pump); return }
      }
      if (sent >= size) req.end()
    }
    pump()
  })
}

t.test('a 30 MB JSON body to /v2 infer is refused at once with 413 in the V2 error shape', async (t) => {
  const { app } = await gateway(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const rss = process.memoryUsage().rss
  for (const chunked of [false, true]) {
    const started = Date.now()
    const res = await postLarge(port, '/v2/models/iris/infer', 30 * 1024 * 1024, chunked)
    t.comment(`answered after ${Date.now() - started} ms, ${(res.sent / 2 ** 20).toFixed(1)} MB sent`)
    t.equal(res.status, 413, chunked ? 'chunked' : 'with Content-Length')
    t.same(JSON.parse(res.body), { error: 'Request body is larger than 4194304 bytes (PROTOCOL_JSON_BODY_LIMIT, a JSON body)' })
  }
  const grown = (process.memoryUsage().rss - rss) / 2 ** 20
  t.ok(grown < 200, `RSS grew ${grown.toFixed(0)} MB (was 1.3 GB before the JSON limit)`)
  // A normal request on the same server is still served.
  const ok = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: v2([[5.1, 3.5, 1.4, 0.2]]) })
  t.equal(ok.statusCode, 200)
  t.same(ok.json().outputs[1].data, [0])
})

t.test('TF Serving bodies get the JSON limit too; binary V2 bodies keep PROTOCOL_BODY_LIMIT', async (t) => {
  const { app } = await gateway(t, { PROTOCOL_JSON_BODY_LIMIT: '2048' })
  const big = JSON.stringify({ instances: Array.from({ length: 200 }, () => [5.1, 3.5, 1.4, 0.2]) })
  const tf = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: big })
  t.equal(tf.statusCode, 413)
  t.same(tf.json(), { error: 'Request body is too large' })
  // 200 rows as binary: 3.2 kB of tensor after a small JSON header, over the JSON limit but a binary body.
  const rows = Float32Array.from(Array.from({ length: 200 }, () => [5.1, 3.5, 1.4, 0.2]).flat())
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [200, 4], datatype: 'FP32', parameters: { binary_data_size: rows.byteLength } }], outputs: [{ name: 'label', parameters: { binary_data: false } }] }))
  const bin = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: Buffer.concat([header, Buffer.from(rows.buffer)]), headers: { 'inference-header-content-length': String(header.length) } })
  t.equal(bin.statusCode, 200, bin.body)
  t.equal(bin.json().outputs[0].data.length, 200)
  const json = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: v2(Array.from({ length: 200 }, () => [5.1, 3.5, 1.4, 0.2]), [200, 4]) })
  t.equal(json.statusCode, 413)
  t.same(json.json(), { error: 'Request body is larger than 2048 bytes (PROTOCOL_JSON_BODY_LIMIT, a JSON body)' })
})

t.test('10,000-level nesting in V2 data or TF instances is a 400, with no error logged', async (t) => {
  const { app, lines } = await gateway(t)
  const deep = nested(10_000)
  const kserve = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: `{"inputs":[{"name":"float_input","shape":[1,4],"datatype":"FP32","data":${deep}}]}` })
  t.equal(kserve.statusCode, 400)
  t.same(kserve.json(), { error: "inference input 'float_input' data is nested deeper than 32 levels" })
  const instances = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: `{"instances":[${deep}]}` })
  t.equal(instances.statusCode, 400)
  t.same(instances.json(), { error: "input 'float_input' row 0 must be 4 numbers, got a list of 1 items with nested lists" })
  const columns = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: `{"inputs":${deep}}` })
  t.equal(columns.statusCode, 400)
  t.same(columns.json(), { error: "input 'float_input' row 0 must be 4 numbers, got a list of 1 items with nested lists" })
  t.same(lines.filter((l) => l.level >= 50), [], 'nothing logged at error level')
  t.notOk(lines.some((l) => l.err?.stack !== undefined), 'no stack trace logged')
  t.equal(lines.filter((l) => l.msg === 'request rejected').length, 3, 'each rejection logged once, at info')
})

t.test('non-finite and out-of-float32 values are 400s naming the field on every front', async (t) => {
  const { app, lines } = await gateway(t)
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } })
  const MAX = 1.7976931348623157e308
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, object]> = [
    // The Iris routes' schemas state the bounds (0 to 30 cm), so the schema refuses these first, naming the field.
    ['classify +max double', await post('/api/v1/classify', { ...SETOSA, sepal_length: MAX }), { code: 'FST_ERR_VALIDATION', message: 'body/sepal_length must be <= 30' }],
    ['classify -max double', await post('/api/v1/classify', { ...SETOSA, petal_width: -MAX }), { code: 'FST_ERR_VALIDATION', message: 'body/petal_width must be >= 0' }],
    ['classify 1e39', await post('/api/v1/classify', { ...SETOSA, sepal_width: 1e39 }), { message: 'body/sepal_width must be <= 30' }],
    ['batch, row 2', await post('/api/v1/classify/batch', { instances: [SETOSA, SETOSA, { ...SETOSA, petal_length: MAX }] }), { message: 'body/instances/2/petal_length must be <= 30' }],
    ['shifted', await post('/api/v1/classify-shifted', { ...SETOSA, sepal_length: MAX }), { message: 'body/sepal_length must be <= 28.5' }],
    ['detailed', await post('/api/v1/classify-detailed', { ...SETOSA, sepal_length: MAX }), { message: 'body/sepal_length must be <= 30' }],
    ['classify-http', await post('/api/v1/classify-http', { ...SETOSA, sepal_length: 1e39 }), { message: 'body/sepal_length must be <= 30' }],
    ['classify-grpc', await post('/api/v1/classify-grpc', { ...SETOSA, sepal_length: 1e39 }), { message: 'body/sepal_length must be <= 30' }],
    ['classify-benchmark', await post('/api/v1/classify-benchmark', { ...SETOSA, sepal_length: MAX, iterations: 3 }), { message: 'body/sepal_length must be <= 30' }],
    ['serving-comparison', await post('/api/v1/serving-comparison', { ...SETOSA, sepal_length: MAX }), { message: 'body/sepal_length must be <= 30' }],
    ['/predict JSON', await post('/predict', { instances: [[0.5, MAX]] }), { message: /body\/instances\/0\/1 must be <= 3\.4028234663852886e\+38/ }],
    ['/predict form', await post('/predict', 'x1=1e39&x2=0.5', { 'content-type': 'application/x-www-form-urlencoded' }), { message: /body\/x1 must match pattern/ }],
    ['V2 JSON 1e39', await post('/v2/models/iris/infer', v2([[5.1, 1e39, 1.4, 0.2]])), { error: "inference input 'float_input' element 1 is 1e+39, outside the float32 range (+/-3.4028234663852886e+38)" }],
    ['TF REST 1e39', await post('/v1/models/iris:predict', { instances: [[5.1, 3.5, 1e39, 0.2]] }), { error: "input 'float_input' row 0 value 2 is 1e+39, outside the float32 range (+/-3.4028234663852886e+38)" }]
  ]
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] }))
    const body = Buffer.concat([header, Buffer.from(Float32Array.of(5.1, 3.5, bad, 0.2).buffer)])
    cases.push([`V2 binary ${bad}`, await post('/v2/models/iris/infer', body, { 'inference-header-content-length': String(header.length) }), { error: `inference input 'float_input' element 2 is ${bad}, not a finite float32` }])
  }
  for (const [what, res, body] of cases) {
    t.equal(res.statusCode, 400, `${what}: 400`)
    t.match(res.json(), body, what)
  }
  t.same(lines.filter((l) => l.level >= 50), [], 'nothing logged at error level')
  const logged = await app.inject('/api/v1/drift-report')
  t.equal(logged.json().data_summary.total_production_samples, 0, 'no refused row was logged')
})

t.test('feature bounds from the model metadata: impossible Iris rows are refused, never logged, and the drift report stays sound', async (t) => {
  const dataDir = t.testdir({})
  const { app } = await gateway(t, { DATA_DIR: dataDir })
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })
  const negative = await post('/api/v1/classify', { ...SETOSA, petal_length: -1 })
  t.equal(negative.statusCode, 400)
  t.same(negative.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: 'body/petal_length must be >= 0' })
  const huge = await post('/api/v1/classify', { ...SETOSA, sepal_length: 1e6 })
  t.equal(huge.json().message, 'body/sepal_length must be <= 30')
  const v2Res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: v2([[5.1, -0.5, 1.4, 0.2]]) })
  t.same(v2Res.json(), { error: "Model 'iris' expects sepal_width within [0, 30] cm; row 0 has -0.5" })
  const tf = await app.inject({ method: 'POST', url: '/v1/models/iris_mlp:predict', payload: JSON.stringify({ instances: [[5.1, 3.5, 1.4, 31]] }) })
  t.same(tf.json(), { error: "Model 'iris_mlp' expects petal_width within [0, 30] cm; row 0 has 31" })
  // The edges are inside, and values outside the training range are served with a warning, as before.
  const edge = await post('/api/v1/classify', { sepal_length: 30, sepal_width: 0, petal_length: 0, petal_width: 30 })
  t.equal(edge.statusCode, 200)
  t.match(edge.json().warnings, [/sepal_length=30 is outside the training range/])
  // Served: the edge row only. The refused ones were never logged.
  for (const row of irisRows().slice(0, 40)) await post('/api/v1/classify', row)
  const report = await app.inject('/api/v1/drift-report?limit=1000')
  t.equal(report.statusCode, 200)
  t.equal(report.json().data_summary.analyzed_samples, 41)
  t.equal(report.json().data_summary.total_production_samples, 41)
  const metadata = (await app.inject('/v2/models/iris/config')).statusCode
  t.equal(metadata, 200)
})

t.test('a prediction log holding impossible values (an older gateway wrote them) never makes the drift report 500', async (t) => {
  const dataDir = t.testdir({})
  const day = new Date().toISOString().slice(0, 10)
  await mkdir(join(dataDir, 'predictions', 'iris'), { recursive: true })
  const record = (features: Record<string, unknown>) => JSON.stringify({ ts: new Date().toISOString(), model: 'iris', version: '1', features, prediction: 'setosa', confidence: 1, latency_ms: 1, route: '/api/v1/classify' })
  const good = irisRows().slice(0, 40).map((r) => record(r))
  const bad = [
    record({ ...SETOSA, sepal_length: 1.7976931348623157e308 }),
    record({ ...SETOSA, sepal_length: -1.7976931348623157e308 }),
    record({ ...SETOSA, petal_width: null }),
    record({ ...SETOSA, petal_length: -3 }),
    record({ ...SETOSA, sepal_width: 1e6 })
  ]
  await writeFile(join(dataDir, 'predictions', 'iris', `${day}.jsonl`), [...good, ...bad].join('\n') + '\n')
  const { app } = await gateway(t, { DATA_DIR: dataDir })
  const res = await app.inject('/api/v1/drift-report?limit=1000')
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.equal(body.data_summary.analyzed_samples, 40, 'the five impossible rows are left out')
  for (const s of Object.values(body.drift_analysis.feature_drift_scores) as Array<{ drift_score: number }>) t.ok(Number.isFinite(s.drift_score))
  const html = await app.inject('/api/v1/drift-report/html')
  t.not(html.statusCode, 500)
})
