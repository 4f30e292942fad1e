// The HTTP server's own defences (issue 13, deliverables 4 and 5, in-process): timeouts from the
// config cut a slow-header client off while others are served, and the drain answers in-flight and
// late keep-alive requests with Connection: close and closes idle sockets without a reset. The whole
// process on SIGTERM is tested in test/integration/drift-shutdown.test.ts.
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import t from 'tap'
import { buildTestApp, SETOSA } from './helpers/app.js'
import { loadConfig } from '../schemas/config.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function classify (port: number, agent: Agent, body = SETOSA): Promise<{ status: number, connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/classify', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

t.test('timeouts come from the config and are set on the server', async (t) => {
  const app = await buildTestApp(t, { HTTP_REQUEST_TIMEOUT_MS: '20000', HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '65000', HTTP_CONNECTIONS_CHECK_MS: '250' })
  t.equal(app.server.requestTimeout, 20000)
  t.equal(app.server.headersTimeout, 5000)
  t.equal(app.server.keepAliveTimeout, 65000)
  const defaults = loadConfig({})
  t.same([defaults.HTTP_REQUEST_TIMEOUT_MS, defaults.HTTP_HEADERS_TIMEOUT_MS, defaults.HTTP_KEEP_ALIVE_TIMEOUT_MS, defaults.HTTP_CONNECTIONS_CHECK_MS], [30000, 10000, 72000, 1000])
  t.throws(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000' }), { message: 'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS (40000) must not exceed HTTP_REQUEST_TIMEOUT_MS (30000)' })
})

t.test('a slow-header client is cut off after HTTP_HEADERS_TIMEOUT_MS while a normal client is served', async (t) => {
  const app = await buildTestApp(t, { HTTP_HEADERS_TIMEOUT_MS: '600', HTTP_REQUEST_TIMEOUT_MS: '1200', HTTP_CONNECTIONS_CHECK_MS: '50' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const head = `POST /api/v1/classify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: ${'a'.repeat(40)}\r\n`
  const slow: Socket = connect(port, '127.0.0.1')
  t.teardown(() => slow.destroy())
  let answer = ''
  slow.on('data', (d: Buffer) => { answer += d.toString() })
  slow.on('error', () => {})
  const closed = new Promise<number>((resolve) => slow.once('close', () => resolve(Date.now())))
  await new Promise((resolve) => slow.once('connect', resolve))
  const start = Date.now()
  // One header byte every 50 ms: the headers would take ~6 s, ten times the limit.
  let sent = 0
  const drip = setInterval(() => { if (sent < head.length && !slow.destroyed) slow.write(head[sent++]) }, 50)
  t.teardown(() => clearInterval(drip))

  const agent = new Agent({ keepAlive: true, maxSockets: 2 })
  t.teardown(() => agent.destroy())
  const served: number[] = []
  const slowClient = { cutAt: 0 }
  void closed.then((at) => { slowClient.cutAt = at })
  while (slowClient.cutAt === 0 && Date.now() - start < 10_000) {
    served.push((await classify(port, agent)).status)
    await sleep(20)
  }
  clearInterval(drip)
  t.ok(slowClient.cutAt > 0, 'the slow client was disconnected')
  t.ok(sent < head.length, `cut off after ${sent} of ${head.length} header bytes, ${slowClient.cutAt - start} ms`)
  t.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/, 'Node answers 408 before closing')
  t.ok(served.length >= 1, `${served.length} normal requests served meanwhile`)
  t.same([...new Set(served)], [200], 'every normal request was served')
  t.equal((await classify(port, agent)).status, 200, 'and the server still serves')
})

t.test('the drain: in-flight and late keep-alive requests answered with Connection: close, no reset, then closed', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const agent = new Agent({ keepAlive: true, maxSockets: 8 })
  t.teardown(() => agent.destroy())
  const results: Array<{ status: number, connection: string | undefined } | { error: string }> = []
  const load = { stop: false }
  const loop = async () => {
    while (!load.stop) {
      try {
        results.push(await classify(port, agent))
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error'
        results.push({ error: code })
        if (code === 'ECONNREFUSED') return // the listener is closed: this client is done
      }
    }
  }
  // An idle keep-alive socket too: it must be closed by the drain, not left open.
  const idle = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => idle.destroy())
  t.equal((await classify(port, idle)).status, 200)
  const loops = Array.from({ length: 8 }, loop)
  await sleep(500)
  const before = results.length
  t.equal(app.drain.draining, false)
  const drained = app.drain.start()
  t.equal(app.drain.draining, true)
  await drained
  load.stop = true
  await Promise.all(loops)
  t.equal(app.drain.connections, 0, 'every connection closed')
  const errors = results.filter((r): r is { error: string } => 'error' in r).map((r) => r.error)
  t.same(errors.filter((e) => e !== 'ECONNREFUSED'), [], 'no ECONNRESET or hang-up')
  const answers = results.filter((r): r is { status: number, connection: string | undefined } => 'status' in r)
  t.same([...new Set(answers.map((a) => a.status))], [200])
  t.ok(before > 0 && answers.length >= before, `${answers.length} answered`)
  t.ok(answers.slice(before).some((a) => a.connection === 'close'), 'answers during the drain carry Connection: close')
  const late = await classify(port, new Agent()).catch((err: NodeJS.ErrnoException) => err.code)
  t.equal(late, 'ECONNREFUSED', 'no new connection is accepted')
})
