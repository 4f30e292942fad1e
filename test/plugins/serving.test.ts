// serving.local (the comparison's direct_onnx method and the SERVING_FALLBACK=local answers) runs
// through the shared prediction path: the V2 statistics count its rows and move last_inference.
import t from 'tap'
import { freePort } from '../../bench/lib.js'
import { buildTestApp, VERSICOLOR } from '../helpers/app.js'

t.test('direct and fallback answers count in the statistics of the default model', async (t) => {
  const closed = await freePort()
  const app = await buildTestApp(t, { CACHE_ENABLED: 'false', TRITON_URL: `http://127.0.0.1:${closed}`, SERVING_FALLBACK: 'local' })
  const stats = async () => (await app.inject({ url: '/v2/models/iris/stats' })).json().model_stats[0]
  t.match(await stats(), { last_inference: 0, inference_count: 0 })

  const before = Date.now()
  const cmp = await app.inject({ method: 'POST', url: '/api/v1/serving-comparison', payload: { ...VERSICOLOR, iterations: 4 } })
  t.equal(cmp.statusCode, 200)
  t.match(cmp.json().serving_methods.direct_onnx, { available: true, predicted_class: 'versicolor', success_rate: 1 })
  let s = await stats()
  t.equal(s.inference_count, 4, 'the four direct_onnx runs')
  t.equal(s.inference_stats.success.count, 4)
  t.ok(s.last_inference >= before, 'last_inference moved')

  const fallback = await app.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
  t.match(fallback.json(), { predicted_class: 'versicolor', fallback: true, protocol: 'local' })
  s = await stats()
  t.equal(s.inference_count, 5, 'and the fallback answer')
  t.equal(s.inference_stats.fail.count, 0)
})

t.test('a bad sample is a 400 before anything runs or counts', async (t) => {
  const app = await buildTestApp(t, { CACHE_ENABLED: 'false' })
  const res = await app.inject({ method: 'POST', url: '/api/v1/serving-comparison', payload: { ...VERSICOLOR, petal_width: 1e39, iterations: 2 } })
  t.equal(res.statusCode, 400)
  const s = (await app.inject({ url: '/v2/models/iris/stats' })).json().model_stats[0]
  t.match(s, { inference_count: 0, inference_stats: { success: { count: 0 }, fail: { count: 0 } } })
})
