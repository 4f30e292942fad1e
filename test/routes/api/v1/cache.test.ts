import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { makeTinyEncoder } from '../../../helpers/tiny-encoder.js'

t.test('GET /api/v1/cache/stats reports exact and semantic counts, ratio, histogram and latency saved', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const app = await buildTestApp(t, { EMBED_ONNX_DIR: tiny.dir, SEMANTIC_THRESHOLD: '0.9' })
  await app.cache.wrap('k', async () => 1)
  await app.cache.wrap('k', async () => 1)
  const sc = app.semanticCache
  const scope = sc.scope({ model: 'm' })
  const miss = await sc.lookup(scope, 'What is AI?')
  await sc.remember(scope, 'What is AI?', miss!.vector, { response: 'x' }, 300)
  await sc.lookup(scope, 'What is artificial intelligence?')

  const res = await app.inject({ url: '/api/v1/cache/stats' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body.exact, { store: 'memory', entries: 1, hits: 1, misses: 1, bypasses: 0, errors: 0, hit_ratio: 0.5 })
  t.match(body.semantic, { enabled: true, store: 'memory', threshold: 0.9, entries: 1, hits: 1, misses: 1, hit_ratio: 0.5, guard_rejections: {} })
  t.match(body.semantic.embedder, /^onnx:/)
  t.same(body.semantic.similarity_histogram.map((b: { to: number }) => b.to), [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1])
  t.equal(body.semantic.similarity_histogram.reduce((n: number, b: { count: number }) => n + b.count, 0), 1)
  // The remembered cost (300 ms) minus what the hit itself took (the embedding: machine-dependent)
  t.ok(body.semantic.latency_saved_ms > 0 && body.semantic.latency_saved_ms <= 300, `saved ${body.semantic.latency_saved_ms} ms`)
  t.match(body.overall, { hits: 2, misses: 2, hit_ratio: 0.5 })
  t.equal(body.scope, 'this replica')
})

t.test('POST /api/v1/cache/flush needs the admin token', async (t) => {
  const closed = await buildTestApp(t)
  const r403 = await closed.inject({ method: 'POST', url: '/api/v1/cache/flush', headers: { authorization: 'Bearer x' } })
  t.equal(r403.statusCode, 403)
  t.match(r403.json(), { code: 'GW_ADMIN_DISABLED', message: /ADMIN_TOKEN is not set/ })

  const app = await buildTestApp(t, { ADMIN_TOKEN: 's3cret-0123456789abc' })
  await app.cache.wrap('a', async () => 1)
  await app.cache.wrap('b', async () => 2)
  const none = await app.inject({ method: 'POST', url: '/api/v1/cache/flush' })
  t.equal(none.statusCode, 401)
  t.match(none.json(), { code: 'GW_UNAUTHORIZED', error: 'Unauthorized' })
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/cache/flush', headers: { authorization: 'Bearer s3cret-0123456789abc-not' } })
  t.equal(wrong.statusCode, 401)
  const bad = await app.inject({ method: 'POST', url: '/api/v1/cache/flush?cache=everything', headers: { authorization: 'Bearer s3cret-0123456789abc' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /querystring\/cache/)

  const exactOnly = await app.inject({ method: 'POST', url: '/api/v1/cache/flush?cache=exact', headers: { authorization: 'Bearer s3cret-0123456789abc' } })
  t.same(exactOnly.json(), { flushed: { exact: 2, semantic: null }, stats_reset: false })
  const all = await app.inject({ method: 'POST', url: '/api/v1/cache/flush', headers: { authorization: 'bearer s3cret-0123456789abc' } })
  t.equal(all.statusCode, 200)
  t.same(all.json(), { flushed: { exact: 0, semantic: 0 }, stats_reset: true })
  t.match((await app.inject({ url: '/api/v1/cache/stats' })).json().exact, { hits: 0, misses: 0 })
})
