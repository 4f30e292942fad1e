// Prediction-log durability with a real Redis killed (SIGKILL) and restarted under load: every
// served classification ends up in the stream exactly once (counted by record id), the records
// served while Redis was down wait in the local spool and are replayed when it is back, /health
// says down, then degraded while replaying, then up. Redis keeps an fsynced append-only file here,
// so what it acknowledged before the kill survives it and the count is exact.
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp } from '../helpers/app.js'
import { irisModelsDir, irisRows } from '../helpers/drift.js'
import { startRedis, until } from '../helpers/redis.js'

const modelsDir = await irisModelsDir(t)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('Redis killed and restarted under load: no record lost, none duplicated, health back to up', async (t) => {
  const dirs = t.testdir({ redis: {}, data: {} })
  const redis = await startRedis(t, { persistDir: join(dirs, 'redis') })
  const env = { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', REDIS_URL: redis.url, DATA_DIR: join(dirs, 'data') }
  const app = await buildTestApp(t, { ...env, PREDICTION_LOG_REDIS_TIMEOUT_MS: '300', PREDICTION_LOG_FLUSH_MS: '20' })
  const rows = irisRows().slice(0, 20)
  let served = 0
  let failures = 0
  const load = { running: true }
  const worker = async () => {
    while (load.running) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows } })
      if (res.statusCode === 200 && res.json().predictions.length === rows.length) served += rows.length
      else failures++
      await sleep(2)
    }
  }
  const workers = Promise.all(Array.from({ length: 4 }, worker))
  const health = async () => (await app.inject('/health')).json().dependencies.prediction_log

  await sleep(500)
  t.equal((await health()).status, 'up')
  await redis.kill()
  const servedAtKill = served
  await until(async () => (await health()).spooled > 0, 5000)
  await sleep(800)
  const down = await health()
  t.match(down, { status: 'down', sink: 'Redis', error: /^Redis is \w+; records are spooled to local files until it is back$/ })
  t.ok(served > servedAtKill, `requests kept being served while Redis was down (${served - servedAtKill} rows)`)
  t.ok((await readdir(join(dirs, 'data', 'prediction-spool'))).some((f) => f.endsWith('.jsonl')), 'spool segments on disk')

  await redis.restart()
  await sleep(800) // replay runs while the load goes on
  load.running = false
  await workers
  await app.driftLogger.flush()
  await until(async () => (await health()).status === 'up', 15_000)

  t.equal(failures, 0, 'no request failed at any point')
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const entries = await client.xrange('predictions:iris', '-', '+')
  const ids = entries.map(([, fields]) => JSON.parse(fields[1]).id as string)
  t.equal(ids.filter((id) => typeof id === 'string').length, entries.length, 'every record has an id')
  t.equal(new Set(ids).size, ids.length, 'no record twice')
  t.equal(entries.length, served, `every served row is in the stream once (${served})`)
  const after = await health()
  t.match(after, { status: 'up', spooled: 0 })
  // Writes in flight at the kill may have reached Redis' append-only file without their reply reaching
  // us: they were spooled too, and the replay found their ids in the stream and skipped them.
  const { spooled, replayed, duplicates } = after.spool
  t.ok(spooled > 0, `spooled ${spooled}`)
  t.equal(replayed + duplicates, spooled, `replayed ${replayed} + already in the stream ${duplicates} = spooled ${spooled}`)
  t.equal(app.driftLogger.stats?.failed, 0, 'nothing counted as lost')
  t.same((await readdir(join(dirs, 'data', 'prediction-spool'))).filter((f) => f.endsWith('.jsonl')), [], 'spool emptied')
  const report = (await app.inject('/api/v1/predictions?format=json&limit=100000')).json()
  t.equal(report.total, served)
})

t.test('a spool left by a stopped gateway is replayed by the next one; ids already in the stream are skipped', async (t) => {
  const dirs = t.testdir({ data: {} })
  const redis = await startRedis(t)
  const env = { MODELS_DIR: modelsDir, DEFAULT_MODEL: 'iris', REDIS_URL: redis.url, DATA_DIR: join(dirs, 'data'), PREDICTION_LOG_REDIS_TIMEOUT_MS: '300' }
  const first = await buildTestApp(t, env)
  await redis.kill()
  for (let i = 0; i < 3; i++) t.equal((await first.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: irisRows().slice(0, 10) } })).statusCode, 200)
  await first.close() // flushes into the spool: Redis is still down
  const spooled = (await readdir(join(dirs, 'data', 'prediction-spool'))).filter((f) => f.endsWith('.jsonl'))
  t.equal(spooled.length, 1)

  await redis.restart()
  // One of the spooled records already reached the stream (a write whose reply was lost): it must not be added again.
  const { readFile } = await import('node:fs/promises')
  const line = (await readFile(join(dirs, 'data', 'prediction-spool', spooled[0]), 'utf8')).split('\n')[0]
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  await client.xadd('predictions:iris', '*', 'r', line)

  const second = await buildTestApp(t, env)
  await until(async () => (await second.inject('/health')).json().dependencies.prediction_log.status === 'up', 10_000)
  const entries = await client.xrange('predictions:iris', '-', '+')
  t.equal(entries.length, 30)
  t.equal(new Set(entries.map(([, f]) => JSON.parse(f[1]).id)).size, 30)
  t.match((await second.inject('/health')).json().dependencies.prediction_log.spool, { replayed: 29, duplicates: 1 })
})
