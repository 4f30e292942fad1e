// Overload protection through the whole gateway: per-caller budgets with weighted heavy routes
// (in process and in a real Redis shared by two replicas), 429 and 503 with Retry-After in each
// route's error shape, load shedding on event-loop delay and heap, and the caps on report and
// benchmark sizes.
import t from 'tap'
import { Redis } from 'ioredis'
import { buildTestApp, SETOSA } from '../helpers/app.js'
import { startRedis, until } from '../helpers/redis.js'
import { memoryCounter } from '../../services/lib/rate-limit-store.js'

type App = Awaited<ReturnType<typeof buildTestApp>>
const classify = (app: App, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA, headers })

t.test('off by default: no rate-limit headers, nothing refused', async (t) => {
  const app = await buildTestApp(t)
  for (let i = 0; i < 5; i++) {
    const res = await classify(app)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-ratelimit-limit'], undefined)
  }
})

t.test('per caller: an API key or bearer token has its own budget, an anonymous caller its IP; 429 in the gateway shape', async (t) => {
  const app = await buildTestApp(t, { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' })
  const remaining = []
  for (let i = 0; i < 3; i++) {
    const res = await classify(app)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-ratelimit-limit'], '3')
    remaining.push(res.headers['x-ratelimit-remaining'])
  }
  t.same(remaining, ['2', '1', '0'])
  const refused = await classify(app)
  t.equal(refused.statusCode, 429)
  const retry = Number(refused.headers['retry-after'])
  t.ok(retry >= 59 && retry <= 60, `Retry-After ${retry}`)
  t.same(refused.json(), { statusCode: 429, code: 'GW_RATE_LIMITED', error: 'Too Many Requests', message: `Rate limit exceeded: 3 cost units per 60 s for this caller; retry in ${retry} s` })

  t.equal((await classify(app, { 'x-api-key': 'team-a' })).statusCode, 200, 'another caller')
  t.equal((await classify(app, { authorization: 'Bearer team-b' })).statusCode, 200)
  t.equal((await classify(app, { authorization: 'Bearer team-b' })).headers['x-ratelimit-remaining'], '1')
  const health = await app.inject('/health/live')
  t.equal(health.statusCode, 200, 'probes are never limited')
  t.equal(health.headers['x-ratelimit-limit'], undefined)
})

t.test('heavy routes cost RATE_LIMIT_HEAVY_COST from the same budget; /v2 answers in its own shape', async (t) => {
  const app = await buildTestApp(t, { RATE_LIMIT_MAX: '25', RATE_LIMIT_HEAVY_COST: '10' })
  const report = await app.inject('/api/v1/drift-report')
  t.not(report.statusCode, 429)
  t.equal(report.headers['x-ratelimit-remaining'], '15')
  t.equal((await classify(app)).headers['x-ratelimit-remaining'], '14')
  t.equal((await app.inject('/api/v1/drift-report')).headers['x-ratelimit-remaining'], '4')
  const third = await app.inject('/api/v1/drift-report')
  t.equal(third.statusCode, 429)
  t.equal(third.json().code, 'GW_RATE_LIMITED')
  const v2 = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] } })
  t.equal(v2.statusCode, 429)
  t.match(v2.json(), { error: /^Rate limit exceeded: 25 cost units per 60 s for this caller; retry in \d+ s$/ })
  t.same(Object.keys(v2.json()), ['error'], 'the KServe V2 error shape')
  t.ok(Number(v2.headers['retry-after']) > 0)
})

t.test('with REDIS_URL two replicas share one budget per caller; a Redis outage skips the limit instead of refusing', async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, RATE_LIMIT_MAX: '4', RATE_LIMIT_WINDOW_MS: '30000' }
  const a = await buildTestApp(t, env)
  const b = await buildTestApp(t, env)
  t.equal((await classify(a)).statusCode, 200)
  t.equal((await classify(b)).statusCode, 200)
  t.equal((await classify(a)).statusCode, 200)
  t.equal((await classify(b)).headers['x-ratelimit-remaining'], '0')
  const refused = await classify(a)
  t.equal(refused.statusCode, 429, 'the fifth request across both replicas')
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  t.equal(await client.get('gw:ratelimit:ip:127.0.0.1'), '5')
  const ttl = await client.pttl('gw:ratelimit:ip:127.0.0.1')
  t.ok(ttl > 20_000 && ttl <= 30_000, `one window, PTTL ${ttl}`)
  t.equal((await classify(a, { 'x-api-key': 'k1' })).statusCode, 200)
  t.same((await client.keys('gw:ratelimit:key:*')).map((k) => k.length), ['gw:ratelimit:key:'.length + 32], 'the key is stored hashed')

  await redis.stop()
  const during = await classify(a)
  t.equal(during.statusCode, 200, 'Redis down: not refused')
  t.equal(during.json().predicted_class, 'setosa')
})

t.test('under pressure: event-loop delay beyond the limit answers 503 GW_OVERLOADED with Retry-After, then recovers', async (t) => {
  const app = await buildTestApp(t, { OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '30', OVERLOAD_SAMPLE_INTERVAL_MS: '100', OVERLOAD_RETRY_AFTER_SECONDS: '3' })
  // The boot itself (model loading) lags the loop: wait for a calm sample first.
  await until(async () => (await classify(app)).statusCode === 200, 5000)
  // Sustained lag, as under a flood of expensive requests: 60 ms blocks for 0.7 s (the delay is a mean per sample).
  const stop = Date.now() + 700
  while (Date.now() < stop) {
    const block = Date.now() + 60
    while (Date.now() < block) { /* busy */ }
    await new Promise((resolve) => setImmediate(resolve))
  }
  const shed = await classify(app)
  t.equal(shed.statusCode, 503)
  t.equal(shed.headers['retry-after'], '3')
  t.match(shed.json(), { statusCode: 503, code: 'GW_OVERLOADED', error: 'Service Unavailable', message: /^The gateway is overloaded \(event-loop delay \d+ ms, limit 30 ms\); retry later$/ })
  const v2 = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: { inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] } })
  t.equal(v2.statusCode, 503)
  t.match(v2.json(), { error: /^The gateway is overloaded \(event-loop delay \d+ ms, limit 30 ms\); retry later$/ })
  t.same(Object.keys(v2.json()), ['error'])
  t.equal((await app.inject('/health/live')).statusCode, 200, 'probes still answer')
  t.equal((await app.inject('/v2/health/live')).statusCode, 200)
  await until(async () => (await classify(app)).statusCode === 200, 3000)
  t.pass('recovered once the loop is responsive')
})

t.test('under pressure: heap in use above its share of the V8 limit', async (t) => {
  const app = await buildTestApp(t, { OVERLOAD_MAX_HEAP_USED_RATIO: '0.0001', OVERLOAD_SAMPLE_INTERVAL_MS: '100' })
  t.equal((await classify(app)).statusCode, 200, 'not in the first two samples after start-up: they measure the boot')
  await new Promise((resolve) => setTimeout(resolve, 250))
  const res = await classify(app)
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'GW_OVERLOADED', message: /^The gateway is overloaded \(heap in use \d+ MiB, limit 0 MiB\); retry later$/ })
  t.equal(res.headers['retry-after'], '2')
})

t.test('caps: drift-report limit and classify-benchmark iterations are schema maximums (400 naming the field)', async (t) => {
  const app = await buildTestApp(t)
  const report = await app.inject('/api/v1/drift-report?limit=100001')
  t.equal(report.statusCode, 400)
  t.match(report.json(), { code: 'FST_ERR_VALIDATION', message: 'querystring/limit must be <= 100000' })
  const bench = await app.inject({ method: 'POST', url: '/api/v1/classify-benchmark', payload: { ...SETOSA, iterations: 101 } })
  t.equal(bench.statusCode, 400)
  t.match(bench.json(), { message: 'body/iterations must be <= 100' })
  const doc = (await app.inject('/docs/json')).json()
  t.equal(doc.paths['/api/v1/classify-benchmark'].post.requestBody.content['application/json'].schema.properties.iterations.maximum, 100)
})

t.test('the in-process counter: windows expire, the oldest caller is dropped at the bound', async (t) => {
  let now = 0
  const c = memoryCounter(2, () => now)
  t.same(await c.add('a', 1, 1000), { current: 1, ttl: 1000 })
  now = 400
  t.same(await c.add('a', 10, 1000), { current: 11, ttl: 600 })
  t.same(await c.add('b', 1, 1000), { current: 1, ttl: 1000 })
  t.same(await c.add('c', 1, 1000), { current: 1, ttl: 1000 }, 'a third caller evicts the oldest window (a)')
  t.same(await c.add('a', 1, 1000), { current: 1, ttl: 1000 })
  now = 2000
  t.same(await c.add('c', 2, 1000), { current: 2, ttl: 1000 }, 'an expired window starts again')
})
