import t, { type Test } from 'tap'
import { freePort } from '../../../../bench/lib.js'
import { buildTestApp } from '../../../helpers/app.js'
import { doubleEmbedding, startOllamaDouble } from '../../../helpers/ollama-double.js'
import { startRedis, until } from '../../../helpers/redis.js'

/** The whole gateway, its ollama plugin configured by OLLAMA_URL, against the Ollama-protocol double. */
async function gateway (t: Test, ollamaUrl: string, env: Record<string, string> = {}) {
  return await buildTestApp(t, { OLLAMA_URL: ollamaUrl, ...env })
}

const ask = (app: Awaited<ReturnType<typeof gateway>>, body: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/v1/chat-semantic', payload: body, headers })

t.test('miss, then a semantic hit for a paraphrase, then an exact hit; the seed cache_info shape', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await gateway(t, ollama.url)
  const first = await ask(app, { prompt: 'What is AI?' })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['x-cache'], 'MISS')
  const a = first.json()
  t.equal(a.response, 'Answer to: What is AI?')
  t.match(a.cache_info, { cache_hit: false, cache_type: null, similarity_score: null })
  t.type(a.cache_info.response_time_ms, 'number')

  const para = await ask(app, { prompt: 'What is artificial intelligence?' })
  t.equal(para.headers['x-cache'], 'HIT')
  const p = para.json()
  t.equal(p.response, 'Answer to: What is AI?', 'the earlier answer')
  t.match(p.cache_info, { cache_hit: true, cache_type: 'semantic', matched_prompt: 'What is AI?' })
  const expected = doubleEmbedding('What is AI?').reduce((s, x, i) => s + x * doubleEmbedding('What is artificial intelligence?')[i], 0)
  t.ok(Math.abs(p.cache_info.similarity_score - expected) < 1e-5, `similarity ${p.cache_info.similarity_score} ~ ${expected}`)

  const again = (await ask(app, { prompt: 'What is AI?' })).json()
  t.match(again.cache_info, { cache_hit: true, cache_type: 'exact', similarity_score: 1 })
  t.equal(ollama.calls['/api/generate'], 1, 'Ollama generated once')

  await ask(app, { prompt: 'Explain why the sky is blue' })
  const negated = (await ask(app, { prompt: 'Explain why the sky is not blue' })).json()
  t.match(negated.cache_info, { cache_hit: false, cache_type: null })
  t.ok(negated.cache_info.similarity_score >= 0.9, `above the threshold (${negated.cache_info.similarity_score}) but vetoed`)
  t.equal(negated.response, 'Answer to: Explain why the sky is not blue', 'the guard sent the negation to the model')
  const other = (await ask(app, { prompt: 'What is artificial intelligence?', options: { temperature: 0 } })).json()
  t.equal(other.cache_info.cache_hit, false, 'other sampling options, other scope')
  const fresh = await ask(app, { prompt: 'What is AI?' }, { 'cache-control': 'no-cache' })
  t.equal(fresh.headers['x-cache'], 'BYPASS')
  t.equal(ollama.calls['/api/generate'], 5, 'misses only: What is AI, sky, its negation, other options, no-cache')

  const stats = (await app.inject({ url: '/api/v1/cache/stats' })).json()
  t.match(stats.semantic, { hits: 1, guard_rejections: { negation: 1 } })
  t.match(stats.exact, { hits: 1 })
})

t.test('incomplete answers are not cached; bad input 400; unknown model 404', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await gateway(t, ollama.url)
  ollama.mode.doneReason = 'length'
  await ask(app, { prompt: 'Tell me a long story please' })
  const second = (await ask(app, { prompt: 'Tell me a long story please' })).json()
  t.equal(second.cache_info.cache_hit, false, 'a truncated answer (done_reason length) was not stored')
  t.equal(app.semanticCache.store.size, 0)

  const missing = await ask(app, { promt: 'typo' })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().message, /prompt/)
  const extra = await ask(app, { prompt: 'hi there friend', temperature: 2 })
  t.equal(extra.statusCode, 400)
  t.match(extra.json().message, /temperature|additional/)
  const unknown = await ask(app, { prompt: 'What is AI today?', model: 'nope' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json().message, /nope/)
})

t.test('two gateways on one Redis: a semantic entry stored by one is served by the other', async (t) => {
  const ollama = await startOllamaDouble(t)
  const redis = await startRedis(t)
  const a = await gateway(t, ollama.url, { REDIS_URL: redis.url })
  const b = await gateway(t, ollama.url, { REDIS_URL: redis.url })
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  t.equal((await ask(a, { prompt: 'What is artificial intelligence?' })).json().cache_info.cache_hit, false)
  await until(() => b.semanticCache.store.size === 1)
  const hit = (await ask(b, { prompt: 'What is AI?' })).json()
  t.match(hit.cache_info, { cache_hit: true, cache_type: 'semantic', matched_prompt: 'What is artificial intelligence?' })
  t.equal(hit.response, 'Answer to: What is artificial intelligence?')
  t.equal(ollama.calls['/api/generate'], 1)
})

t.test('no Ollama: 503 naming it, the request does not hang, nothing is invented', async (t) => {
  const app = await buildTestApp(t, { OLLAMA_URL: `http://127.0.0.1:${await freePort()}` })
  const res = await ask(app, { prompt: 'What is artificial intelligence?' })
  t.equal(res.statusCode, 503)
  t.match(res.json().message, /Ollama/i)
  t.equal(app.semanticCache.store.size, 0)
})

t.test('/health: the semantic cache is degraded, naming Ollama, while its Ollama embedder is unreachable', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await gateway(t, ollama.url)
  t.match((await app.inject('/health')).json().dependencies.semantic_cache, { status: 'up', critical: false, embedder: 'ollama:all-minilm' })
  await ollama.close()
  const down = (await app.inject('/health')).json()
  t.match(down.dependencies.semantic_cache, { status: 'degraded', critical: false, error: /^embeddings come from Ollama, which is unavailable: / })
  t.equal(down.status, 'degraded', 'not critical: the gateway stays ready')
})
