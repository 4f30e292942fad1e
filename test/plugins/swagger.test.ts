// The OpenAPI document states what the routes really do (issue 13, deliverable 8): the statuses any
// route can answer (schema rejection, body limit, media type, long path segment, rate limit, load
// shedding) in the route's own error shape, Retry-After on 429 and 503, streaming media types, and
// the value bounds the handlers enforce (Iris 0..30 cm, float32 range).
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { commonStatuses, documentRoute } from '../../services/lib/openapi-statuses.js'

const FLOAT32_MAX = 3.4028234663852886e38

t.test('every operation lists the common statuses in its own error shape', async (t) => {
  const app = await buildTestApp(t, { RATE_LIMIT_MAX: '100' })
  const doc = (await app.inject('/docs/json')).json()
  const classify = doc.paths['/api/v1/classify'].post.responses
  for (const status of ['400', '404', '413', '415', '429', '503']) t.ok(classify[status], `classify documents ${status}`)
  t.same(Object.keys(classify['429'].content['application/json'].schema.properties).sort(), ['code', 'error', 'message', 'statusCode'], 'gateway error shape')
  t.same(classify['429'].headers['retry-after'].schema, { type: 'integer', minimum: 1 })
  t.ok(classify['503'].headers['retry-after'], '503 says when to come back')

  const infer = doc.paths['/v2/models/{model}/infer'].post.responses
  t.same(Object.keys(infer['429'].content['application/json'].schema.properties), ['error'], 'KServe V2 error shape')
  t.ok(infer['414'], 'a path segment over 100 characters')
  const completions = doc.paths['/v1/chat/completions'].post.responses
  t.same(Object.keys(completions['413'].content['application/json'].schema.properties), ['error'], 'OpenAI error shape')
  t.ok(completions['413'].content['application/json'].schema.properties.error.properties.message)

  t.notOk(doc.paths['/health/live'].get.responses['429'], 'probes are never rate limited')
  t.notOk(doc.paths['/metrics'].get.responses['503'], 'scrapes are never shed')
  t.notOk(doc.paths['/health/live'].get.responses['413'], 'no body, no 413')

  // Streaming answers: JSON without stream, NDJSON / SSE with it.
  t.same(Object.keys(doc.paths['/api/v1/generate'].post.responses['200'].content).sort(), ['application/json', 'application/x-ndjson'])
  t.same(Object.keys(doc.paths['/api/v1/chat'].post.responses['200'].content).sort(), ['application/json', 'application/x-ndjson'])
  t.same(Object.keys(doc.paths['/v1/chat/completions'].post.responses['200'].content).sort(), ['application/json', 'text/event-stream'])

  // The bounds the handlers enforce are in the schemas.
  const iris = doc.paths['/api/v1/classify'].post.requestBody.content['application/json'].schema.properties
  t.same([iris.sepal_length.minimum, iris.sepal_length.maximum], [0, 30])
  const shifted = doc.paths['/api/v1/classify-shifted'].post.requestBody.content['application/json'].schema.properties
  t.same([shifted.sepal_length.maximum, shifted.petal_width.maximum, shifted.sepal_width.maximum], [28.5, 23.07, 30], 'the shifted copy stays within 30')
  t.ok(JSON.stringify(doc).includes(String(FLOAT32_MAX)), 'float32 range stated where values are generic')
})

t.test('documentRoute leaves the route\'s own schema alone', async (t) => {
  const own = { body: { type: 'object' }, response: { 200: { type: 'object' }, 503: { type: 'object', description: 'mine' } } }
  const doc = documentRoute(own, { method: 'POST', url: '/api/v1/x' }) as { response: Record<string, { description?: string, headers?: object }> }
  t.same(Object.keys(own.response), ['200', '503'], 'the route schema is not mutated')
  t.equal(doc.response['503'].description, 'mine', 'a route\'s own description wins')
  t.ok(doc.response['503'].headers, 'Retry-After added to it')
  t.equal(documentRoute(undefined, { method: 'GET', url: '/' }), undefined)
  const hidden = { hide: true }
  t.equal(documentRoute(hidden, { method: 'GET', url: '/' }), hidden)
  t.same(Object.keys(commonStatuses({}, { method: 'GET', url: '/health' })), [], 'an unvalidated probe: nothing added')
  t.same(Object.keys(commonStatuses({ params: {} }, { method: ['GET', 'HEAD'], url: '/v2/models/:model' })).sort(), ['400', '414', '429', '503'])
})
