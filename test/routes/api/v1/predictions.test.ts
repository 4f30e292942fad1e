import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { irisRows } from '../../../helpers/drift.js'

t.test('GET /api/v1/predictions: JSON records newest last, per model, and the total', async (t) => {
  const app = await buildTestApp(t)
  const rows = irisRows()
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: rows.slice(0, 3) } })
  await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris_mlp', payload: rows[149] })
  const res = await app.inject({ method: 'GET', url: '/api/v1/predictions?format=json&limit=2' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.model, 'iris')
  t.equal(body.total, 3)
  t.same(body.records.map((r: { features: unknown }) => r.features), rows.slice(1, 3))
  t.same(body.records.map((r: { route: string }) => r.route), ['/api/v1/classify/batch', '/api/v1/classify/batch'])
  const mlp = (await app.inject({ method: 'GET', url: '/api/v1/predictions?format=json&model=iris_mlp' })).json()
  t.equal(mlp.total, 1)
  t.equal(mlp.records[0].prediction, 'virginica')
  t.equal(mlp.records[0].model, 'iris_mlp')
})

t.test('bad queries: 400 naming the field, 404 for a model not served', async (t) => {
  const app = await buildTestApp(t)
  const limit = await app.inject({ method: 'GET', url: '/api/v1/predictions?limit=0' })
  t.equal(limit.statusCode, 400)
  t.match(limit.json().message, /limit must be >= 1/)
  const format = await app.inject({ method: 'GET', url: '/api/v1/predictions?format=xml' })
  t.equal(format.statusCode, 400)
  t.match(format.json().message, /format/)
  const model = await app.inject({ method: 'GET', url: '/api/v1/predictions?model=nope' })
  t.equal(model.statusCode, 404)
  t.equal(model.json().code, 'GW_MODEL_NOT_FOUND')
})

t.test('logging off: 503 GW_PREDICTION_LOG_DISABLED', async (t) => {
  const app = await buildTestApp(t, { PREDICTION_LOG_ENABLED: 'false' })
  const res = await app.inject({ method: 'GET', url: '/api/v1/predictions' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { statusCode: 503, code: 'GW_PREDICTION_LOG_DISABLED', error: 'Service Unavailable', message: 'Prediction logging is off (PREDICTION_LOG_ENABLED=false): nothing is logged' })
})
