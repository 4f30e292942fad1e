import { test, type Test } from 'tap'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import errorRenderer from '../../plugins/error-renderer.js'
import { createValidatorCompiler } from '../../services/lib/validation.js'
import {
  BadRequestError, CircuitOpenError, InferenceFailedError, isGatewayError, ModelNotFoundError, ProtocolUnsupportedError, PromptBlockedError,
  QueueFullError, RetrainBusyError, UpstreamTimeoutError, UpstreamUnavailableError, withDetails
} from '../../services/lib/errors.js'

const BODY = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }

/** Routes that throw what their query asks for, so each shape is tested on the same errors. */
function throwing (app: FastifyInstance) {
  app.get('/boom/:kind', async (request) => {
    switch ((request.params as { kind: string }).kind) {
      case 'missing': throw new ModelNotFoundError('nope')
      case 'busy': throw new RetrainBusyError()
      case 'unsupported': throw new ProtocolUnsupportedError('binary outputs are not supported')
      case 'queue': throw new QueueFullError('iris', 7)
      case 'circuit': throw new CircuitOpenError('Ollama', 5, 900)
      case 'upstream': throw new UpstreamUnavailableError('Triton', 'connect ECONNREFUSED 127.0.0.1:1')
      case 'timeout': throw new UpstreamTimeoutError('Triton', 250)
      case 'inference': throw new InferenceFailedError('iris', 'session closed')
      case 'blocked': throw withDetails(new PromptBlockedError('instruction_override'), { security_analysis: { blocked: true } })
      case 'raw': throw Object.assign(new Error('password=hunter2 at db.internal:5432'), { code: 'ECONNREFUSED' })
      default: throw new TypeError("Cannot read properties of undefined (reading 'x')")
    }
  })
  app.post('/items', { schema: { body: BODY } }, async (request) => request.body)
}

async function build (t: Test, routes: (app: FastifyInstance) => Promise<void> | void = throwing) {
  const lines: Array<Record<string, any>> = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done() } })
  const app = Fastify({ logger: { level: 'info', stream } })
  app.setValidatorCompiler(createValidatorCompiler())
  await app.register(errorRenderer)
  await app.register(async (instance) => { await routes(instance) })
  t.teardown(() => app.close())
  await app.ready()
  return { app, lines }
}

test('gateway shape: the catalogue code, the status text from http.STATUS_CODES, the message', async (t) => {
  const { app } = await build(t)
  const cases: Array<[string, number, string, string, string]> = [
    ['missing', 404, 'GW_MODEL_NOT_FOUND', 'Not Found', "Model 'nope' not found"],
    ['busy', 409, 'GW_RETRAIN_BUSY', 'Conflict', 'A retraining run is already in progress'],
    ['unsupported', 501, 'GW_PROTOCOL_UNSUPPORTED', 'Not Implemented', 'binary outputs are not supported'],
    ['timeout', 504, 'GW_UPSTREAM_TIMEOUT', 'Gateway Timeout', 'Triton did not answer within 250 ms'],
    ['inference', 500, 'GW_INFERENCE_FAILED', 'Internal Server Error', "Inference failed for model 'iris': session closed"]
  ]
  for (const [kind, statusCode, code, error, message] of cases) {
    const res = await app.inject(`/boom/${kind}`)
    t.equal(res.statusCode, statusCode, kind)
    t.same(res.json(), { statusCode, code, error, message }, kind)
    t.equal(res.headers['retry-after'], undefined, `${kind}: no Retry-After`)
  }
  const blocked = await app.inject('/boom/blocked')
  t.same(blocked.json(), {
    statusCode: 400, code: 'GW_PROMPT_BLOCKED', error: 'Bad Request', message: 'Prompt blocked by the injection guard: instruction_override', security_analysis: { blocked: true }
  }, 'details are added to the body')
})

test('every 503 carries Retry-After: a full queue, an open circuit, an upstream down', async (t) => {
  const { app } = await build(t)
  const expected: Record<string, [string, string]> = {
    queue: ['GW_QUEUE_FULL', "Inference queue for model 'iris' is full (7 requests waiting); retry later"],
    circuit: ['GW_CIRCUIT_OPEN', 'Ollama is unavailable: circuit open after 5 consecutive failures; retrying in 900 ms'],
    upstream: ['GW_UPSTREAM_UNAVAILABLE', 'Triton is unavailable: connect ECONNREFUSED 127.0.0.1:1']
  }
  for (const [kind, [code, message]] of Object.entries(expected)) {
    const res = await app.inject(`/boom/${kind}`)
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '1', kind)
    t.same(res.json(), { statusCode: 503, code, error: 'Service Unavailable', message })
  }
})

test('schema rejections name the field; a wrong media type says what to send', async (t) => {
  const { app } = await build(t)
  const extra = await app.inject({ method: 'POST', url: '/items', payload: { name: 'a', colour: 'red' } })
  t.same(extra.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: "body must NOT have additional properties: 'colour' is not a known field" })
  const missing = await app.inject({ method: 'POST', url: '/items', payload: {} })
  t.same(missing.json(), { statusCode: 400, code: 'FST_ERR_VALIDATION', error: 'Bad Request', message: "body must have required property 'name'" })
  const xml = await app.inject({ method: 'POST', url: '/items', headers: { 'content-type': 'application/xml' }, payload: '<name>a</name>' })
  t.equal(xml.statusCode, 415)
  t.same(xml.json(), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'Unsupported Media Type: application/xml; send application/json' })
})

test('a 500 that is not the catalogue\'s answers "Internal Server Error" and keeps the details in the log', async (t) => {
  const { app, lines } = await build(t)
  for (const kind of ['raw', 'bug']) {
    const res = await app.inject(`/boom/${kind}`)
    t.equal(res.statusCode, 500)
    t.same(res.json(), { statusCode: 500, code: 'GW_INTERNAL', error: 'Internal Server Error', message: 'Internal Server Error' }, kind)
    t.notMatch(res.body, /hunter2|reading 'x'/)
  }
  const errors = lines.filter((l) => l.level === 50)
  t.equal(errors.length, 2, '5xx are logged at error level')
  t.match(errors[0], { msg: 'password=hunter2 at db.internal:5432', err: { type: 'Error', code: 'ECONNREFUSED', stack: /Error: password=hunter2[^]*error-renderer\.test\.ts/ } })
  t.match(errors[1], { err: { type: 'TypeError', stack: /TypeError: Cannot read properties/ } })
  await app.inject('/boom/missing')
  t.match(lines.filter((l) => l.msg === 'request rejected'), [{ level: 30, code: 'GW_MODEL_NOT_FOUND', message: "Model 'nope' not found" }], '4xx are logged at info, without a stack')
  t.equal(lines.find((l) => l.msg === 'request rejected')?.err, undefined, 'no stack for a 4xx')
})

test('an upstream that is down or slow (503, 504) is ONE warn line with the code and no stack', async (t) => {
  const { app, lines } = await build(t)
  const cases: Array<[string, number, string, string, number | undefined]> = [
    ['upstream', 503, 'GW_UPSTREAM_UNAVAILABLE', 'Triton is unavailable: connect ECONNREFUSED 127.0.0.1:1', 1],
    ['circuit', 503, 'GW_CIRCUIT_OPEN', 'Ollama is unavailable: circuit open after 5 consecutive failures; retrying in 900 ms', undefined],
    ['timeout', 504, 'GW_UPSTREAM_TIMEOUT', 'Triton did not answer within 250 ms', undefined]
  ]
  for (const [kind, status, code, message] of cases) {
    lines.length = 0
    const res = await app.inject(`/boom/${kind}`)
    t.equal(res.statusCode, status, kind)
    const own = lines.filter((l) => l.msg !== 'incoming request' && l.msg !== 'request completed')
    t.equal(own.length, 1, `${kind}: one line besides the request's own`)
    t.match(own[0], { level: 40, code, statusCode: status, msg: message }, kind)
    t.equal(own[0].err, undefined, `${kind}: no error object, so no stack`)
    t.notOk(lines.some((l) => l.level >= 50), `${kind}: nothing at error level`)
  }
  // QueueFullError is the gateway's own 503: the same warn line, no stack.
  lines.length = 0
  t.equal((await app.inject('/boom/queue')).statusCode, 503)
  t.match(lines.filter((l) => l.level === 40), [{ code: 'GW_QUEUE_FULL', statusCode: 503, retryAfterSeconds: undefined }])
})

test('unmatched routes: the gateway\'s 404', async (t) => {
  const { app } = await build(t)
  const res = await app.inject({ method: 'DELETE', url: '/nowhere?x=1' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { statusCode: 404, code: 'GW_ROUTE_NOT_FOUND', error: 'Not Found', message: 'Route DELETE /nowhere?x=1 not found' })
})

test('v2 scope: {"error": message}, Triton\'s 404 and 405, Retry-After on 503', async (t) => {
  const { app } = await build(t, async (root) => {
    await root.register(async (v2) => {
      v2.errorRenderer.scope(v2, 'v2')
      await v2.register(async (child) => { throwing(child) }) // routes in child contexts inherit the shape
      v2.get('/health/live', async () => ({ live: true }))
    }, { prefix: '/v2' })
    throwing(root)
  })
  t.same((await app.inject('/v2/boom/missing')).json(), { error: "Model 'nope' not found" })
  const queue = await app.inject('/v2/boom/queue')
  t.equal(queue.statusCode, 503)
  t.equal(queue.headers['retry-after'], '1')
  t.same(queue.json(), { error: "Inference queue for model 'iris' is full (7 requests waiting); retry later" })
  t.same((await app.inject('/v2/boom/blocked')).json(), { error: 'Prompt blocked by the injection guard: instruction_override' }, 'no details in a protocol shape')
  const bug = await app.inject('/v2/boom/bug')
  t.equal(bug.statusCode, 500)
  t.same(bug.json(), { error: 'Internal Server Error' })
  const invalid = await app.inject({ method: 'POST', url: '/v2/items', payload: { name: 'a', colour: 'red' } })
  t.same(invalid.json(), { error: "body must NOT have additional properties: 'colour' is not a known field" })
  const unknown = await app.inject('/v2/models/iris/nothing')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { error: 'Not Found' })
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/v2/health/live' })
  t.equal(wrongMethod.statusCode, 405)
  t.same(wrongMethod.json(), { error: 'Method Not Allowed' })
  t.equal((await app.inject({ method: 'POST', url: '/v2/boom/missing?x=1' })).statusCode, 405, 'the query string is not part of the path')
  t.same((await app.inject('/boom/missing')).json().code, 'GW_MODEL_NOT_FOUND', 'outside the scope the gateway shape stays')
  t.same((await app.inject('/v3/x')).json().code, 'GW_ROUTE_NOT_FOUND')
})

test('tf-serving scope: {"error": message}; a path outside the grammar is a 400', async (t) => {
  const { app } = await build(t, async (root) => {
    await root.register(async (tfs) => {
      tfs.errorRenderer.scope(tfs, 'tf-serving')
      throwing(tfs)
    }, { prefix: '/v1/models' })
  })
  const missing = await app.inject('/v1/models/boom/missing')
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: "Model 'nope' not found" })
  t.equal((await app.inject('/v1/models/boom/upstream')).headers['retry-after'], '1')
  const malformed = await app.inject({ method: 'DELETE', url: '/v1/models/iris' })
  t.equal(malformed.statusCode, 400)
  t.same(malformed.json(), { error: 'Malformed request: DELETE /v1/models/iris' })
})

test('openai shape, chosen per route: {"error": {message, type, param, code}}', async (t) => {
  const { app } = await build(t, (root) => {
    const config = { errorShape: 'openai' as const }
    root.post('/v1/chat', { config, schema: { body: BODY } }, async () => { throw new BadRequestError('messages must not be empty') })
    root.get('/v1/missing', { config }, async () => { throw new ModelNotFoundError('gpt-9') })
    root.get('/v1/down', { config }, async () => { throw new UpstreamUnavailableError('Ollama', 'connect ECONNREFUSED') })
    root.get('/v1/bug', { config }, async () => { throw new Error('secret') })
  })
  const bad = await app.inject({ method: 'POST', url: '/v1/chat', payload: { name: 'a' } })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: { message: 'messages must not be empty', type: 'invalid_request_error', param: null, code: 'GW_BAD_REQUEST' } })
  const invalid = await app.inject({ method: 'POST', url: '/v1/chat', payload: { name: 'a', n: 2 } })
  t.same(invalid.json(), { error: { message: "body must NOT have additional properties: 'n' is not a known field", type: 'invalid_request_error', param: null, code: 'FST_ERR_VALIDATION' } })
  t.same((await app.inject('/v1/missing')).json(), { error: { message: "Model 'gpt-9' not found", type: 'not_found_error', param: null, code: 'GW_MODEL_NOT_FOUND' } })
  const down = await app.inject('/v1/down')
  t.equal(down.headers['retry-after'], '1')
  t.same(down.json(), { error: { message: 'Ollama is unavailable: connect ECONNREFUSED', type: 'api_error', param: null, code: 'GW_UPSTREAM_UNAVAILABLE' } })
  t.same((await app.inject('/v1/bug')).json(), { error: { message: 'Internal Server Error', type: 'api_error', param: null, code: null } })
})

test('isGatewayError tells the catalogue\'s errors from the rest', async (t) => {
  t.equal(isGatewayError(new ModelNotFoundError('x')), true)
  t.equal(isGatewayError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED', statusCode: 503 })), false)
  t.equal(isGatewayError(new Error('plain')), false)
  t.equal(isGatewayError(null), false)
  t.equal(isGatewayError('GW_X'), false)
})
