import { test, type Test } from 'tap'
import Fastify from 'fastify'
import cachePlugin from '../../plugins/cache.js'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import healthPlugin from '../../plugins/health.js'
import metricsPlugin from '../../plugins/metrics.js'
import redisPlugin from '../../plugins/redis.js'
import ollamaPlugin from '../../plugins/ollama.js'
import semanticCachePlugin from '../../plugins/semantic-cache.js'
import { startRedis, until } from '../helpers/redis.js'
import { makeTinyEncoder } from '../helpers/tiny-encoder.js'

async function build (t: Test, env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(redisPlugin)
  await app.register(cachePlugin)
  await app.register(ollamaPlugin)
  await app.register(semanticCachePlugin)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

const answer = (text: string) => ({ response: text, model: 'tinyllama', complete: true })

test('local encoder, in-process: a paraphrase hits, a negation is vetoed, scopes do not mix, stats and metrics', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const app = await build(t, { EMBED_ONNX_DIR: tiny.dir })
  const sc = app.semanticCache
  t.match(sc.source, /^onnx:/)
  const scope = sc.scope({ model: 'tinyllama', options: {}, system: null })
  const first = await sc.lookup(scope, 'What is AI?')
  t.same(first?.hit, false)
  await sc.remember(scope, 'What is AI?', first!.vector, answer('AI is ...'), 800)

  const para = await sc.lookup(scope, 'What is artificial intelligence?')
  t.equal(para?.hit, true, 'a paraphrase hits')
  if (para?.hit === true) {
    t.ok(para.score >= 0.9 && para.score < 1, `similarity ${para.score}`)
    t.same(para.entry.response, answer('AI is ...'))
  }
  const negated = await sc.lookup(scope, 'What is not AI?')
  t.equal(negated?.hit, false)
  if (negated?.hit === false) {
    t.same(negated.rejected, ['negation'], 'the close candidate was vetoed by the guard')
    t.ok((negated.best ?? 0) >= 0.9, `it was above the threshold (${negated.best})`)
  }
  const other = sc.scope({ model: 'llama3', options: {}, system: null })
  t.equal((await sc.lookup(other, 'What is artificial intelligence?'))?.hit, false, 'another model never matches')
  t.equal(await sc.lookup(scope, 'hello world'), null, 'too short for semantic matching')

  const s = app.cache.stats.snapshot().semantic
  t.match(s, { hits: 1, misses: 3, guard_rejections: { negation: 1 } })
  t.ok(s.latency_saved_ms > 700, `a hit saves the 800 ms generation minus the lookup (${s.latency_saved_ms})`)
  t.equal(s.similarity_histogram.reduce((n, b) => n + b.count, 0), 2, 'lookups that found a candidate')
  const text = await app.metrics.registry.metrics()
  t.match(text, /cache_hits_total\{cache="semantic",store="memory"\} 1/)
  t.match(text, /semantic_cache_guard_rejections_total\{reason="negation"\} 1/)
  t.match(text, /semantic_cache_entries 1/)
  t.equal(await sc.flush(), 1)
  t.equal(sc.store.size, 0)
})

test('Redis: an entry stored by one instance is served by another, loaded by a newcomer, flushed for all, and resynced after a restart', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const redis = await startRedis(t)
  const env = { EMBED_ONNX_DIR: tiny.dir, REDIS_URL: redis.url }
  const a = await build(t, env)
  const b = await build(t, env)
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  const scope = a.semanticCache.scope({ model: 'tinyllama', options: {}, system: null })
  t.equal(b.semanticCache.scope({ model: 'tinyllama', options: {}, system: null }), scope, 'replicas agree on scopes')

  const miss = await a.semanticCache.lookup(scope, 'What is AI?')
  const entry = await a.semanticCache.remember(scope, 'What is AI?', miss!.vector, answer('AI is ...'), 500)
  await until(() => b.semanticCache.store.has(entry.id))
  const hit = await b.semanticCache.lookup(scope, 'What is artificial intelligence?')
  t.equal(hit?.hit, true, 'served by the other instance')
  if (hit?.hit === true) t.same(hit.entry.response, answer('AI is ...'))
  t.same(await a.redis!.hgetall(`gw:sem:e:${entry.id}`).then((h) => [h.prompt, h.scope]), ['What is AI?', scope])
  t.equal(await a.redis!.zcard('gw:sem:ids'), 1)

  const c = await build(t, env)
  await until(() => c.semanticCache.store.has(entry.id))
  t.pass('a replica started later loads the entries at start')

  await redis.kill()
  await redis.restart()
  // Restarted empty: another replica re-stores; the others pick it up (pub/sub, or the resync on reconnect).
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  const again = await a.semanticCache.remember(scope, 'Explain artificial intelligence to me', miss!.vector, answer('again'), 500)
  await until(() => b.semanticCache.store.has(again.id))
  t.pass('sharing works after the restart')

  t.equal(await a.semanticCache.flush(), 2)
  await until(() => b.semanticCache.store.size === 0 && c.semanticCache.store.size === 0)
  t.equal(await a.redis!.exists('gw:sem:ids'), 0)
})

test('Redis: entries carry the TTL; max entries trims the oldest everywhere', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const redis = await startRedis(t)
  const env = { EMBED_ONNX_DIR: tiny.dir, REDIS_URL: redis.url, SEMANTIC_MAX_ENTRIES: '2', SEMANTIC_TTL_SECONDS: '120' }
  const a = await build(t, env)
  const b = await build(t, env)
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  const scope = a.semanticCache.scope({ model: 'm' })
  const prompts = ['What is AI?', 'Explain artificial intelligence to me', 'Hello world cafe']
  const ids: string[] = []
  for (const p of prompts) {
    const v = await a.semanticCache.embed(p)
    ids.push((await a.semanticCache.remember(scope, p, v!, answer(p), 100)).id)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  const ttl = await a.redis!.pttl(`gw:sem:e:${ids[2]}`)
  t.ok(ttl > 110_000 && ttl <= 120_000, `PTTL ${ttl}`)
  t.same(await a.redis!.zrange('gw:sem:ids', '0', '-1'), ids.slice(1), 'the oldest id was trimmed')
  t.equal(await a.redis!.exists(`gw:sem:e:${ids[0]}`), 0)
  await until(() => b.semanticCache.store.has(ids[2]) && !b.semanticCache.store.has(ids[0]))
  t.same([a.semanticCache.store.size, b.semanticCache.store.size], [2, 2])
})

test('a configured but missing encoder directory fails the boot, naming it', async (t) => {
  await t.rejects(build(t, { EMBED_ONNX_DIR: '/nonexistent/encoder' }), /Cannot load the sentence encoder in EMBED_ONNX_DIR=\/nonexistent\/encoder \(model\.onnx \+ tokenizer\.json\): ENOENT/)
})

test('Redis: an entry stored while Redis was down is shared once it is back', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const redis = await startRedis(t)
  const env = { EMBED_ONNX_DIR: tiny.dir, REDIS_URL: redis.url }
  const a = await build(t, env)
  const b = await build(t, env)
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  await redis.kill()
  await until(() => a.redis?.status !== 'ready')
  const scope = a.semanticCache.scope({ model: 'm' })
  const v = await a.semanticCache.embed('What is AI?')
  const entry = await a.semanticCache.remember(scope, 'What is AI?', v!, answer('offline answer'), 100)
  t.equal(a.semanticCache.store.has(entry.id), true, 'kept locally')
  t.equal(b.semanticCache.store.has(entry.id), false)
  t.match(await a.metrics.registry.metrics(), /cache_errors_total\{cache="semantic",store="redis",operation="save"\} 1/)

  await redis.restart()
  await until(() => b.semanticCache.store.has(entry.id))
  const hit = await b.semanticCache.lookup(scope, 'What is artificial intelligence?')
  t.equal(hit?.hit, true, 'the other replica serves it after the reconnect')
  t.equal(await a.redis!.zcard('gw:sem:ids'), 1)
})
