import { test, type Test } from 'tap'
import Fastify from 'fastify'
import cachePlugin from '../../plugins/cache.js'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import healthPlugin from '../../plugins/health.js'
import metricsPlugin from '../../plugins/metrics.js'
import redisPlugin from '../../plugins/redis.js'
import { startRedis, until } from '../helpers/redis.js'

/** The cache plugin on a bare Fastify, with one route whose answer is slow to compute and counted. */
async function build (t: Test, env: Record<string, string> = {}) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(redisPlugin)
  await app.register(cachePlugin)
  let computed = 0
  app.get<{ Querystring: { x: string } }>('/square', async (request, reply) => {
    const x = Number(request.query.x)
    return app.cache.reply(request, reply, app.cache.key('square', [x]), async () => {
      computed++
      await new Promise((resolve) => setTimeout(resolve, 20))
      return { x, square: x * x }
    })
  })
  t.teardown(() => app.close())
  await app.ready()
  const get = async (x: number, headers: Record<string, string> = {}) => {
    const res = await app.inject({ url: `/square?x=${x}`, headers })
    return { status: res.statusCode, cache: res.headers['x-cache'], body: res.json() }
  }
  return { app, get, computed: () => computed }
}

async function metric (app: Awaited<ReturnType<typeof build>>['app'], line: string): Promise<number> {
  const text = await app.metrics.registry.metrics()
  const found = text.split('\n').find((l) => l.startsWith(line + ' '))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

test('in-process LRU: MISS, then HIT without computing, no-cache BYPASS recomputes, counters and stats agree', async (t) => {
  const { app, get, computed } = await build(t)
  t.same(await get(7), { status: 200, cache: 'MISS', body: { x: 7, square: 49 } })
  t.same(await get(7), { status: 200, cache: 'HIT', body: { x: 7, square: 49 } })
  t.same(await get(7, { 'cache-control': 'max-age=0, no-cache' }), { status: 200, cache: 'BYPASS', body: { x: 7, square: 49 } })
  t.same(await get(8), { status: 200, cache: 'MISS', body: { x: 8, square: 64 } })
  t.equal(computed(), 3)
  t.equal(await metric(app, 'cache_hits_total{cache="exact",store="memory"}'), 1)
  t.equal(await metric(app, 'cache_misses_total{cache="exact",store="memory"}'), 2)
  t.equal(await metric(app, 'cache_bypasses_total{cache="exact",store="memory",reason="no-cache"}'), 1)
  const stats = app.cache.stats.snapshot().exact
  t.match(stats, { hits: 1, misses: 2, bypasses: 1, errors: 0, hit_ratio: 0.3333 })
  t.ok(stats.latency_saved_ms >= 15, `a hit saved about the 20 ms compute (${stats.latency_saved_ms})`)
  t.equal(app.cache.entries(), 2)
  t.equal(await app.cache.flush(), 2)
  t.equal((await get(7)).cache, 'MISS', 'flushed')
})

test('wrap() for other callers: only approved answers are stored', async (t) => {
  const { app } = await build(t)
  const incomplete = { text: 'partial', complete: false }
  t.same(await app.cache.wrap('k1', async () => incomplete, { cacheable: (v) => v.complete }), { value: incomplete, status: 'MISS' })
  t.same((await app.cache.wrap('k1', async () => ({ text: 'full', complete: true }), { cacheable: (v) => v.complete })).status, 'MISS', 'the incomplete answer was not kept')
  t.same(await app.cache.wrap('k1', async () => ({ text: 'other', complete: true })), { value: { text: 'full', complete: true }, status: 'HIT' })
})

test('Redis: entries shared by two instances, with the TTL; a killed Redis means BYPASS (counted), a restart brings HITs back', async (t) => {
  const redis = await startRedis(t)
  const env = { REDIS_URL: redis.url, CACHE_TTL_SECONDS: '60' }
  const a = await build(t, env)
  const b = await build(t, env)
  await until(() => a.app.redis?.status === 'ready' && b.app.redis?.status === 'ready')
  t.equal(a.app.cache.store, 'redis')

  t.equal((await a.get(3)).cache, 'MISS')
  t.same(await b.get(3), { status: 200, cache: 'HIT', body: { x: 3, square: 9 } }, 'stored by one instance, served by the other')
  t.equal(b.computed(), 0)
  const keys = await a.app.redis!.keys('gw:cache:square:*')
  t.equal(keys.length, 1)
  const ttl = await a.app.redis!.pttl(keys[0])
  t.ok(ttl > 55_000 && ttl <= 60_000, `PTTL ${ttl} ms`)

  await redis.kill()
  await until(() => a.app.redis?.status !== 'ready')
  for (const x of [3, 4]) t.same(await a.get(x), { status: 200, cache: 'BYPASS', body: { x, square: x * x } }, 'answered without Redis')
  t.equal(await metric(a.app, 'cache_bypasses_total{cache="exact",store="redis",reason="unavailable"}'), 2)
  t.equal((await a.app.health.report()).redis.status, 'down')

  await redis.restart()
  await until(() => a.app.redis?.status === 'ready')
  t.equal((await a.get(4)).cache, 'MISS', 'the restarted Redis is empty')
  t.equal((await a.get(4)).cache, 'HIT')
})

test('a frozen Redis (connected, silent) costs one command timeout, then BYPASS with the error counted', async (t) => {
  const redis = await startRedis(t)
  const { app, get } = await build(t, { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '200' })
  await until(() => app.redis?.status === 'ready')
  redis.freeze()
  const started = performance.now()
  t.same(await get(5), { status: 200, cache: 'BYPASS', body: { x: 5, square: 25 } })
  const took = performance.now() - started
  t.ok(took < 2000, `answered in ${Math.round(took)} ms, not hung`)
  t.equal(await metric(app, 'cache_errors_total{cache="exact",store="redis",operation="get"}'), 1)
  t.equal(await metric(app, 'cache_bypasses_total{cache="exact",store="redis",reason="error"}'), 1)
  redis.thaw()
})

test('CACHE_ENABLED=false: every request computes, BYPASS with reason disabled', async (t) => {
  const { app, get, computed } = await build(t, { CACHE_ENABLED: 'false' })
  t.same(await get(2), { status: 200, cache: 'BYPASS', body: { x: 2, square: 4 } })
  t.same(await get(2), { status: 200, cache: 'BYPASS', body: { x: 2, square: 4 } })
  t.equal(computed(), 2)
  t.equal(await metric(app, 'cache_bypasses_total{cache="exact",store="memory",reason="disabled"}'), 2)
})
