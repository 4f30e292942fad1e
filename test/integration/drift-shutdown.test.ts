// The real shutdown path: server.ts (close-with-grace) on SIGTERM drains the HTTP server and closes
// the app, and the prediction log's onClose writes what the buffer still holds before the process
// exits. Under a keep-alive load (issue 13): no request is reset, and every answered classification
// has exactly one prediction-log record, with the file sink and with the Redis stream.
import { spawn } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { irisRows } from '../helpers/drift.js'
import { startRedis } from '../helpers/redis.js'

// Eleven gateway start-ups and shutdowns: more than the default per-file timeout (.taprc) on a busy machine.
t.setTimeout(900_000)

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)) })
})

t.test('SIGTERM right after the answers: every record is on disk when the process has exited', async (t) => {
  const dataDir = t.testdir({})
  const port = await freePort()
  // A long flush period makes it likely the records are still buffered when the signal arrives.
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, PREDICTION_LOG_FLUSH_MS: '200', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`)
    const up = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const rows = irisRows().slice(0, 20)
  const res = await fetch(`${base}/api/v1/classify/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }), signal: AbortSignal.timeout(10_000) })
  t.equal(res.status, 200)
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'clean exit')
  const files = await readdir(join(dataDir, 'predictions', 'iris'))
  const lines = (await readFile(join(dataDir, 'predictions', 'iris', files[0]), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, 20)
  t.same(lines.map((l) => l.features), rows)
})

/** server.ts in a child process, ready to serve; `exited` resolves with its exit code. */
async function startGateway (t: Test, env: Record<string, string>) {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GRPC_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  // The drain's own account of itself (how many idle sockets it had to close), from the log.
  let drained = ''
  child.stdout?.on('data', (d: Buffer) => { for (const l of d.toString().split('\n')) if (l.includes('"drained')) drained = l })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`)
    const up = await fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { port, child, exited, stderr: () => stderr, drained: () => drained }
}

/** Sample `i`: sepal length and width encode it (three decimals each), so every record names its request. */
function sample (i: number) {
  return { sepal_length: Number((4 + (i % 1000) / 1000).toFixed(3)), sepal_width: Number((2 + Math.floor(i / 1000) / 1000).toFixed(3)), petal_length: 1.4, petal_width: 0.2 }
}
const keyOf = (f: { sepal_length: number, sepal_width: number }) => `${f.sepal_length}/${f.sepal_width}`

/**
 * Keep-alive classify load from `clients` concurrent loops until each one's connection is refused
 * (the listener closed); SIGTERM is sent `sigtermAfterMs` into it. Returns the answered samples and
 * every client error by code.
 */
async function loadThroughSigterm (port: number, kill: () => void, clients = 16, sigtermAfterMs = 1500) {
  const agent = new Agent({ keepAlive: true, maxSockets: clients })
  const answered: string[] = []
  const statuses = new Map<number, number>()
  const errors = new Map<string, number>()
  let next = 0
  const one = (i: number) => new Promise<'ok' | 'refused' | 'error'>((resolve) => {
    const body = JSON.stringify(sample(i))
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/classify', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume()
      res.on('end', () => {
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1)
        if (res.statusCode === 200) answered.push(keyOf(sample(i)))
        resolve('ok')
      })
    })
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message
      errors.set(code, (errors.get(code) ?? 0) + 1)
      resolve(code === 'ECONNREFUSED' ? 'refused' : 'error')
    })
    req.end(body)
  })
  const loop = async () => {
    for (;;) {
      const outcome = await one(next++)
      if (outcome === 'refused') return
      if (next > 900_000) return
    }
  }
  const timer = setTimeout(kill, sigtermAfterMs)
  await Promise.all(Array.from({ length: clients }, loop))
  clearTimeout(timer)
  agent.destroy()
  return { answered, statuses: Object.fromEntries(statuses), errors: Object.fromEntries(errors) }
}

/** Each answered sample logged exactly once, and nothing logged that was not answered. */
function checkRecords (t: Test, answered: string[], records: Array<{ features: { sepal_length: number, sepal_width: number } }>) {
  const counts = new Map<string, number>()
  for (const r of records) counts.set(keyOf(r.features), (counts.get(keyOf(r.features)) ?? 0) + 1)
  const lost = answered.filter((k) => !counts.has(k))
  const duplicated = [...counts].filter(([, n]) => n > 1).map(([k]) => k)
  const sent = new Set(answered)
  const unanswered = [...counts.keys()].filter((k) => !sent.has(k))
  t.same(lost, [], `0 of ${answered.length} answered classifications lost`)
  t.same(duplicated, [], '0 duplicated records')
  t.same(unanswered, [], 'no record of a request whose answer the client did not get')
  t.equal(records.length, answered.length)
}

const RUNS = 5

t.test(`SIGTERM under keep-alive load, file sink: 0 resets, 0 lost, 0 duplicated records (${RUNS} runs)`, async (t) => {
  for (let run = 1; run <= RUNS; run++) {
    await t.test(`run ${run}`, async (t) => {
      const dataDir = t.testdir({})
      const gw = await startGateway(t, { DATA_DIR: dataDir })
      const load = await loadThroughSigterm(gw.port, () => gw.child.kill('SIGTERM'))
      t.equal(await gw.exited, 0, `clean exit ${gw.stderr()}`)
      t.comment(`run ${run}: ${JSON.stringify({ answered: load.answered.length, statuses: load.statuses, errors: load.errors })} ${gw.drained()}`)
      t.same(Object.keys(load.errors).filter((e) => e !== 'ECONNREFUSED'), [], 'no ECONNRESET, no hang-up: only refused new connections')
      t.same(Object.keys(load.statuses), ['200'], 'every answer is a 200')
      t.ok(load.answered.length > 10, `${load.answered.length} answered`)
      const files = await readdir(join(dataDir, 'predictions', 'iris'))
      const records = (await Promise.all(files.map((f) => readFile(join(dataDir, 'predictions', 'iris', f), 'utf8'))))
        .flatMap((text) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)))
      checkRecords(t, load.answered, records)
    })
  }
})

t.test(`SIGTERM under keep-alive load, Redis stream sink: 0 resets, 0 lost, 0 duplicated records (${RUNS} runs)`, async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  for (let run = 1; run <= RUNS; run++) {
    await t.test(`run ${run}`, async (t) => {
      const prefix = `shutdown-run-${run}`
      const gw = await startGateway(t, { DATA_DIR: t.testdir({}), REDIS_URL: redis.url, PREDICTION_LOG_STREAM_PREFIX: prefix })
      const load = await loadThroughSigterm(gw.port, () => gw.child.kill('SIGTERM'))
      t.equal(await gw.exited, 0, `clean exit ${gw.stderr()}`)
      t.comment(`run ${run}: ${JSON.stringify({ answered: load.answered.length, statuses: load.statuses, errors: load.errors })} ${gw.drained()}`)
      t.same(Object.keys(load.errors).filter((e) => e !== 'ECONNREFUSED'), [], 'no ECONNRESET, no hang-up: only refused new connections')
      t.same(Object.keys(load.statuses), ['200'], 'every answer is a 200')
      t.ok(load.answered.length > 10, `${load.answered.length} answered`)
      const entries = await client.xrange(`${prefix}:iris`, '-', '+')
      const records = entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('r') + 1]))
      checkRecords(t, load.answered, records)
    })
  }
})
