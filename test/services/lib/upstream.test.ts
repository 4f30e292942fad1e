// The upstream factory: each phase's deadline, the one failure vocabulary with exact codes, the
// breaker, single-flight probes. Real HTTP servers on port 0 for the wire failures; a MockAgent
// where only the answer matters (status passthrough).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import t, { type Test } from 'tap'
import { MockAgent } from 'undici'
import { asHealthProbe, createUpstream } from '../../../services/lib/upstream.js'

const deadlines = { connectTimeoutMs: 1000, firstByteTimeoutMs: 1000, idleTimeoutMs: 1000 }

async function serve (t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const sockets = new Set<Socket>()
  const server = createServer(handler)
  server.on('connection', (s) => { sockets.add(s) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function upstream (t: Test, url: string, extra: Partial<Parameters<typeof createUpstream>[0]> = {}) {
  const u = createUpstream({ name: 'Up', url, ...deadlines, ...extra })
  t.teardown(() => u.close())
  return u
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('a JSON answer; the base path is kept and the body sent', async (t) => {
  const url = await serve(t, (req, res) => {
    let raw = ''
    req.on('data', (d: Buffer) => { raw += d.toString() })
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ path: req.url, method: req.method, got: JSON.parse(raw) })) })
  })
  const u = upstream(t, `${url}/base/`)
  t.same(await u.json({ method: 'POST', path: '/x?y=1', body: JSON.stringify({ a: 1 }) }), { path: '/base/x?y=1', method: 'POST', got: { a: 1 } })
  t.equal(u.breaker.state(), 'closed')
})

t.test('refused: 503 GW_UPSTREAM_UNAVAILABLE with Retry-After seconds', async (t) => {
  const u = upstream(t, `http://127.0.0.1:${await closedPort()}`)
  await t.rejects(u.json({ method: 'GET', path: '/' }), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Up is unavailable: ECONNREFUSED/, retryAfterSeconds: 1 })
  t.equal(u.breaker.failures, 1, 'counted by the breaker')
})

t.test('slow headers: 504 GW_UPSTREAM_TIMEOUT at the first-byte deadline', async (t) => {
  const url = await serve(t, (_req, res) => { setTimeout(() => { if (!res.destroyed) res.end('{}') }, 2000) })
  const u = upstream(t, url, { firstByteTimeoutMs: 150 })
  const started = performance.now()
  await t.rejects(u.json({ method: 'GET', path: '/' }), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Up did not answer within 150 ms' })
  const elapsed = performance.now() - started
  t.ok(elapsed >= 140 && elapsed < 1000, `gave up after ${Math.round(elapsed)} ms`)
  t.equal(u.breaker.failures, 1, 'a deadline counts as a failure')
  // A per-call deadline (an embedding, a probe) overrides the upstream's.
  await t.rejects(u.json({ method: 'GET', path: '/', firstByteTimeoutMs: 50 }), { code: 'GW_UPSTREAM_TIMEOUT', message: 'Up did not answer within 50 ms' })
})

t.test('a call queued behind a full pool waits inside its first-byte deadline, not two', async (t) => {
  let received = 0
  const url = await serve(t, () => { received++ }) // never answers
  const u = upstream(t, url, { connections: 1, firstByteTimeoutMs: 300 })
  const started = performance.now()
  const results = await Promise.allSettled([0, 1, 2].map(() => u.request({ method: 'GET', path: '/' })))
  const elapsed = performance.now() - started
  t.same(results.map((r) => r.status === 'rejected' && (r.reason as { message: string }).message), Array(3).fill('Up did not answer within 300 ms'))
  t.equal(received, 1, 'the queued calls never reached the wire')
  t.ok(elapsed < 590, `all three gave up within one deadline (${Math.round(elapsed)} ms; two would be 600)`)
})

t.test('stalled body: the stream yields what came, then 504 at the idle deadline', async (t) => {
  const url = await serve(t, (_req, res) => { res.writeHead(200, { 'content-type': 'application/x-ndjson' }); res.write('{"n":1}\n') })
  const u = upstream(t, url, { idleTimeoutMs: 150 })
  const s = await u.stream({ method: 'POST', path: '/s' })
  t.equal(s.statusCode, 200)
  const got: string[] = []
  const started = performance.now()
  await t.rejects((async () => { for await (const c of s.body) got.push(c.toString()) })(), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Up did not answer within 150 ms' })
  t.same(got, ['{"n":1}\n'])
  t.ok(performance.now() - started < 1000)
  t.equal(u.breaker.failures, 1, 'a stalled stream counts against the breaker')
  await t.rejects(u.request({ method: 'GET', path: '/' }), { code: 'GW_UPSTREAM_TIMEOUT' }, 'a buffered read has the same idle deadline')
})

t.test('a trickling body is cut at the total deadline', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200)
    const timer = setInterval(() => { if (res.destroyed) clearInterval(timer); else res.write('.') }, 30)
  })
  const u = upstream(t, url, { idleTimeoutMs: 200, totalTimeoutMs: 300 })
  await t.rejects(u.request({ method: 'GET', path: '/' }), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Up did not answer within 300 ms' })
})

t.test('bad JSON: 502 GW_UPSTREAM_BAD_RESPONSE; the upstream is alive for the breaker', async (t) => {
  const url = await serve(t, (_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"model": "x", "resp') })
  const u = upstream(t, url)
  await t.rejects(u.json({ method: 'POST', path: '/api/generate' }), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: 'Up sent an invalid answer: unparseable JSON from /api/generate: {"model": "x", "resp' })
  t.equal(u.breaker.failures, 0)
})

t.test('error statuses (MockAgent): a 4xx passed on with its message, 404 names the model, 503 with Retry-After, 5xx 502', async (t) => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  const pool = agent.get('http://upstream.test')
  const u = upstream(t, 'http://upstream.test', { dispatcher: agent })
  pool.intercept({ path: '/a', method: 'POST' }).reply(422, { error: 'num_ctx must be positive' })
  await t.rejects(u.json({ method: 'POST', path: '/a' }), { statusCode: 422, code: 'GW_UPSTREAM_REJECTED', message: 'Up rejected the request: num_ctx must be positive' })
  pool.intercept({ path: '/a', method: 'POST' }).reply(400, 'plain text refusal')
  await t.rejects(u.json({ method: 'POST', path: '/a' }), { statusCode: 400, code: 'GW_UPSTREAM_REJECTED', message: 'Up rejected the request: plain text refusal' })
  pool.intercept({ path: '/a', method: 'POST' }).reply(404, { error: "model 'm' not found" })
  await t.rejects(u.json({ method: 'POST', path: '/a', model: 'm' }), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND', message: "Up has no model 'm': model 'm' not found" })
  pool.intercept({ path: '/a', method: 'POST' }).reply(503, { error: 'server busy' })
  await t.rejects(u.json({ method: 'POST', path: '/a' }), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: 'Up is unavailable: server busy', retryAfterSeconds: 1 })
  pool.intercept({ path: '/a', method: 'POST' }).reply(500, { error: 'boom' })
  await t.rejects(u.json({ method: 'POST', path: '/a' }), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: 'Up sent an invalid answer: HTTP 500: boom' })
  pool.intercept({ path: '/s', method: 'POST' }).reply(400, { error: 'bad stream request' })
  await t.rejects(u.stream({ method: 'POST', path: '/s' }), { statusCode: 400, code: 'GW_UPSTREAM_REJECTED', message: 'Up rejected the request: bad stream request' })
  pool.intercept({ path: '/r', method: 'GET' }).reply(418, 'teapot')
  const raw = await u.request({ method: 'GET', path: '/r' })
  t.same({ status: raw.statusCode, body: raw.body.toString() }, { status: 418, body: 'teapot' }, 'request() leaves the status to the caller')
  t.equal(u.breaker.failures, 0, 'answers, even errors, prove the upstream alive')

  const strict = upstream(t, 'http://upstream.test', { dispatcher: agent, passClientErrors: false })
  pool.intercept({ path: '/a', method: 'POST' }).reply(400, { error: 'unexpected input' })
  await t.rejects(strict.json({ method: 'POST', path: '/a' }), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: 'Up sent an invalid answer: HTTP 400: unexpected input' })
  await strict.close()
  pool.intercept({ path: '/a', method: 'GET' }).reply(200, { still: 'open' })
  t.same(await u.json({ method: 'GET', path: '/a' }), { still: 'open' }, 'an injected dispatcher is left to its owner')
})

t.test('the breaker: open after the threshold, 503 GW_CIRCUIT_OPEN at once with Retry-After, half-open probe closes it', async (t) => {
  let clock = 0
  let alive = false
  const url = await serve(t, (_req, res) => { if (alive) res.end('{"ok":true}'); else res.socket?.destroy() })
  const u = upstream(t, url, { breaker: { threshold: 2, coolDownMs: 5000, now: () => clock } })
  for (let i = 0; i < 2; i++) await t.rejects(u.json({ method: 'GET', path: '/' }), { code: 'GW_UPSTREAM_UNAVAILABLE' })
  t.equal(u.breaker.state(), 'open')
  const started = performance.now()
  await t.rejects(u.json({ method: 'GET', path: '/' }), { statusCode: 503, code: 'GW_CIRCUIT_OPEN', message: 'Up is unavailable: circuit open after 2 consecutive failures; retrying in 5000 ms', retryAfterSeconds: 5 })
  t.ok(performance.now() - started < 50, 'no socket, no wait')
  clock = 5000
  alive = true
  t.same(await u.json({ method: 'GET', path: '/' }), { ok: true })
  t.equal(u.breaker.state(), 'closed')
})

t.test('probe(): one call in flight, shared by every caller', async (t) => {
  const u = upstream(t, 'http://127.0.0.1:1')
  let calls = 0
  const fn = async () => { calls++; await sleep(50); return calls }
  t.same(await Promise.all(Array.from({ length: 10 }, () => u.probe(fn))), Array(10).fill(1))
  t.equal(calls, 1)
  t.equal(u.probing, false)
  t.equal(await u.probe(fn), 2, 'the next poll probes again')
})

t.test('health probes bypass the request breaker: they neither open it nor are stopped by it', async (t) => {
  const clock = 0
  const port = await closedPort()
  const u = upstream(t, `http://127.0.0.1:${port}`, { breaker: { threshold: 2, coolDownMs: 5000, now: () => clock } })
  const call = async () => await u.json({ method: 'GET', path: '/' })
  for (let i = 0; i < 5; i++) await t.rejects(u.probe(call), { code: 'GW_UPSTREAM_UNAVAILABLE' }, `probe ${i + 1} sees it down`)
  await t.rejects(asHealthProbe(call), { code: 'GW_UPSTREAM_UNAVAILABLE' }, 'asHealthProbe: the same')
  t.equal(u.breaker.failures, 0, 'probe failures are not counted')
  t.equal(u.breaker.state(), 'closed')
  // Requests still open it; a probe still reaches the upstream while it is open (and leaves it open).
  for (let i = 0; i < 2; i++) await t.rejects(call(), { code: 'GW_UPSTREAM_UNAVAILABLE' })
  t.equal(u.breaker.state(), 'open')
  await t.rejects(call(), { code: 'GW_CIRCUIT_OPEN' })
  await t.rejects(u.probe(call), { code: 'GW_UPSTREAM_UNAVAILABLE' }, 'the probe went out despite the open circuit')
  t.equal(u.breaker.failures, 2)
  t.equal(u.breaker.state(), 'open')
})

t.test('options are validated up front', async (t) => {
  t.throws(() => createUpstream({ name: 'Up', url: 'localhost:1', ...deadlines }), { message: "createUpstream: Up needs an http(s) URL, got 'localhost:1'" })
  t.throws(() => createUpstream({ name: 'Up', url: 'http://x', ...deadlines, idleTimeoutMs: 0 }), { message: 'createUpstream: idleTimeoutMs must be a positive number of milliseconds, got 0' })
  t.throws(() => createUpstream({ name: '', url: 'http://x', ...deadlines }), { message: 'createUpstream: name is required' })
})
