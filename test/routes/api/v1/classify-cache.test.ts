import t from 'tap'
import { buildTestApp, SETOSA, VIRGINICA } from '../../../helpers/app.js'
import { startRedis, until } from '../../../helpers/redis.js'

t.test('POST /api/v1/classify: MISS, then the same answer as a HIT; no-cache BYPASS; the key holds model and version', async (t) => {
  const app = await buildTestApp(t)
  const post = (payload: object, url = '/api/v1/classify', headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload, headers })
  const miss = await post(SETOSA)
  t.equal(miss.headers['x-cache'], 'MISS')
  t.equal(miss.json().predicted_class, 'setosa')
  const hit = await post(SETOSA)
  t.equal(hit.headers['x-cache'], 'HIT')
  t.same(hit.json(), miss.json(), 'identical answer, probabilities included')
  t.equal((await post({ sepal_width: 3.5, petal_width: 0.2, sepal_length: 5.1, petal_length: 1.4 })).headers['x-cache'], 'HIT', 'field order does not matter')
  const fresh = await post(SETOSA, '/api/v1/classify', { 'cache-control': 'no-cache' })
  t.equal(fresh.headers['x-cache'], 'BYPASS')
  t.same(fresh.json(), miss.json())

  const mlp = await post(SETOSA, '/api/v1/classify?model=iris_mlp')
  t.equal(mlp.headers['x-cache'], 'MISS', 'another model is another key')
  t.same(mlp.json().model, { name: 'iris_mlp', version: '1' })
  t.equal((await post(SETOSA, '/api/v1/classify?model=iris&version=1')).headers['x-cache'], 'HIT', 'the default version named explicitly is the same key')
  t.equal((await post({ ...SETOSA, petal_width: 0.3 })).headers['x-cache'], 'MISS', 'other features, other key')

  const unknown = await post(SETOSA, '/api/v1/classify?model=nope')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.headers['x-cache'], undefined, 'errors are never cached')
  const stats = (await app.inject({ url: '/api/v1/cache/stats' })).json().exact
  t.match(stats, { store: 'memory', hits: 3, misses: 3, bypasses: 1, entries: 3 })
})

t.test('through Redis: a classification cached by one gateway is a HIT on another; Redis down means BYPASS, not errors', async (t) => {
  const redis = await startRedis(t)
  const a = await buildTestApp(t, { REDIS_URL: redis.url })
  const b = await buildTestApp(t, { REDIS_URL: redis.url })
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  const post = (app: typeof a) => app.inject({ method: 'POST', url: '/api/v1/classify', payload: VIRGINICA })
  const first = await post(a)
  t.equal(first.headers['x-cache'], 'MISS')
  const second = await post(b)
  t.equal(second.headers['x-cache'], 'HIT')
  t.same(second.json(), first.json())
  t.equal(second.json().predicted_class, 'virginica')

  await redis.kill()
  await until(() => b.redis?.status !== 'ready')
  const down = await post(b)
  t.equal(down.statusCode, 200)
  t.equal(down.headers['x-cache'], 'BYPASS')
  t.same(down.json(), first.json())
  t.match((await b.inject({ url: '/metrics' })).body, /cache_bypasses_total\{cache="exact",store="redis",reason="unavailable"\} 1/)
})
