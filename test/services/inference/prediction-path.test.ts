// The prediction path with a fake model store, the real exact cache on a memory store, and a
// recording prediction log: rows in, records out, cache statuses, latencies and failures.
import t from 'tap'
import { createInference, type InferenceDeps } from '../../../services/inference/prediction-path.js'
import { createExactCache } from '../../../services/cache/exact/exact.js'
import { createMemoryStore } from '../../../services/cache/exact/stores.js'
import { argmaxRows } from '../../../services/inference/onnx-models.js'
import type { Prediction, ServedModel } from '../../../services/inference/model-store.js'
import type { PredictionRecord } from '../../../services/drift/log/record.js'
import { ModelNotFoundError } from '../../../services/lib/errors.js'

const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
function model (over: Partial<ServedModel> = {}): ServedModel {
  return { name: 'iris', version: '1', sha256: 'ab', numFeatures: 4, featureNames: IRIS, classes: ['setosa', 'versicolor', 'virginica'], probabilityOutput: 'probabilities', ...over } as ServedModel
}

/** A store whose "model" answers a fixed probability row per input row, counting its runs. */
function fakeStore (models: ServedModel[], answer: (row: Float32Array) => number[]) {
  const runs: Array<{ model: string, input: number[], rows: number }> = []
  return {
    runs,
    get (name: string, version?: string): ServedModel {
      const m = models.find((x) => x.name === name && (version === undefined || x.version === version))
      if (m === undefined) throw new ModelNotFoundError(name)
      return m
    },
    async predict (m: ServedModel, input: Float32Array, rows: number): Promise<Prediction> {
      runs.push({ model: m.name, input: Array.from(input), rows })
      const width = m.numFeatures
      const probabilities = Float32Array.from(Array.from({ length: rows }, (_, r) => answer(input.subarray(r * width, (r + 1) * width))).flat())
      return { model: m, rows, probabilities, predicted: argmaxRows(probabilities, rows), outputs: { [m.probabilityOutput]: { data: probabilities, dims: [rows, probabilities.length / rows] } } }
    }
  }
}

function setup (opts: { models?: ServedModel[], answer?: (row: Float32Array) => number[], cache?: boolean, logging?: boolean } = {}) {
  const store = fakeStore(opts.models ?? [model()], opts.answer ?? ((row) => row[2] < 2.5 ? [0.9, 0.1, 0] : [0.05, 0.15, 0.8]))
  const records: PredictionRecord[] = []
  let clock = 1000
  const exact = createExactCache({ store: createMemoryStore({ max: 100, ttlMs: 60_000 }), ttlMs: 60_000, enabled: true, events: { hit () {}, miss () {}, bypass () {}, error () {} } })
  const deps: InferenceDeps = {
    store,
    cache: opts.cache === false ? null : { wrap: exact.wrap, fresh: (r) => r.headers['cache-control'] === 'no-cache' },
    drift: { enabled: opts.logging !== false, timestamp: () => '2026-12-02T00:00:00.000Z', log: (r) => { records.push(r) } },
    now: () => clock
  }
  return { inference: createInference(deps), store, records, tick: (ms: number) => { clock += ms } }
}

function reply (elapsedTime: number) {
  const headers: Record<string, string> = {}
  return { elapsedTime, headers, header (name: string, value: string) { headers[name] = value; return this } }
}

const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const VIRGINICA = { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 }

t.test('named samples: one run, one record per row with the route, the reply\'s age and the features as sent', async (t) => {
  const { inference, store, records } = setup()
  const p = await inference.predict({ model: 'iris', rows: [SETOSA, VIRGINICA], route: '/api/v1/classify/batch', reply: reply(2.34567) })
  t.same(store.runs, [{ model: 'iris', input: Array.from(Float32Array.from([5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5])), rows: 2 }])
  t.equal(p.model.name, 'iris')
  t.same(p.predicted, [0, 2])
  t.same(records, [
    { ts: '2026-12-02T00:00:00.000Z', model: 'iris', version: '1', features: SETOSA, prediction: 'setosa', confidence: 0.9, latency_ms: 2.346, route: '/api/v1/classify/batch' },
    { ts: '2026-12-02T00:00:00.000Z', model: 'iris', version: '1', features: VIRGINICA, prediction: 'virginica', confidence: 0.8, latency_ms: 2.346, route: '/api/v1/classify/batch' }
  ])
  t.equal(records[0].features, SETOSA, 'the sample object itself, not a copy')
})

t.test('float rows: features named after the model, back to the decimals sent; latency from the clock without a reply', async (t) => {
  const { inference, records, tick } = setup({ answer: () => [0.2, 0.7, 0.1] })
  const m = model({ featureNames: ['petal_length', 'petal_width', 'sepal_length', 'sepal_width'] })
  const pending = inference.predict({ model: m, rows: Float32Array.from([1.4, 0.2, 5.1, 3.5]), route: 'inference.GRPCInferenceService/ModelInfer' })
  tick(1.5)
  await pending
  t.same(records.map((r) => [r.features, r.prediction, r.confidence, r.latency_ms, r.route]), [
    [{ petal_length: 1.4, petal_width: 0.2, sepal_length: 5.1, sepal_width: 3.5 }, 'versicolor', 0.7, 1.5, 'inference.GRPCInferenceService/ModelInfer']
  ])
})

t.test('a single sigmoid column: the class at 0.5 or above, else "not" the class with 1 - p', async (t) => {
  const { inference, records } = setup({ answer: (row) => [row[0] > 0 ? 0.93 : 0.12] })
  const m = model({ name: 'simple_classifier@registry', numFeatures: 2, featureNames: ['x1', 'x2'], classes: ['positive'] })
  await inference.predict({ model: m, rows: Float32Array.from([1.5, 2.3, -0.8, -1.2]), route: '/predict' })
  t.same(records.map((r) => [r.features, r.prediction, r.confidence]), [
    [{ x1: 1.5, x2: 2.3 }, 'positive', 0.93],
    [{ x1: -0.8, x2: -1.2 }, 'not positive', 0.88]
  ])
})

t.test('the exact cache: MISS runs, HIT does not, no-cache BYPASS runs; every answer is logged and identical', async (t) => {
  const { inference, store, records } = setup()
  const ask = async (headers: Record<string, string> = {}, sample: object = SETOSA) => {
    const r = reply(1)
    const p = await inference.predict({ model: 'iris', rows: [sample as typeof SETOSA], route: '/api/v1/classify', request: { headers }, reply: r, cache: true })
    return { p, status: r.headers['x-cache'] }
  }
  const miss = await ask()
  t.equal(miss.status, 'MISS')
  const hit = await ask({}, { petal_width: 0.2, petal_length: 1.4, sepal_width: 3.5, sepal_length: 5.1 })
  t.equal(hit.status, 'HIT', 'field order does not change the key')
  t.same(Array.from(hit.p.probabilities), Array.from(miss.p.probabilities))
  t.same(hit.p.predicted, miss.p.predicted)
  t.equal(hit.p.model.name, 'iris')
  t.same(Array.from(hit.p.outputs.probabilities.data as Float32Array), Array.from(miss.p.probabilities), 'the probability output is rebuilt')
  t.equal((await ask({ 'cache-control': 'no-cache' })).status, 'BYPASS')
  t.equal((await ask({}, VIRGINICA)).status, 'MISS')
  t.equal(store.runs.length, 3, 'the hit ran no model')
  t.same(records.map((r) => r.prediction), ['setosa', 'setosa', 'setosa', 'virginica'])
  // Without an HTTP request the lookup is not skipped.
  const noRequest = await inference.predict({ model: 'iris', rows: [SETOSA], route: 'x', cache: true })
  t.same(noRequest.predicted, [0])
  t.equal(store.runs.length, 3)
})

t.test('no cache configured, or not asked for: always a run, no x-cache', async (t) => {
  const { inference, store } = setup({ cache: false })
  const r = reply(1)
  await inference.predict({ model: 'iris', rows: [SETOSA], route: 'x', reply: r, cache: true })
  await inference.predict({ model: 'iris', rows: [SETOSA], route: 'x', reply: r, cache: true })
  t.equal(store.runs.length, 2)
  t.same(r.headers, {})
})

t.test('failures reject (never throw) and log nothing; logging off logs nothing', async (t) => {
  const { inference, records } = setup()
  const unknown = inference.predict({ model: 'nope', rows: [SETOSA], route: 'x' })
  t.type(unknown, Promise)
  await t.rejects(unknown, { code: 'GW_MODEL_NOT_FOUND', statusCode: 404 })
  await t.rejects(inference.predict({ model: 'iris', version: '9', rows: [SETOSA], route: 'x' }), { code: 'GW_MODEL_NOT_FOUND' })
  await t.rejects(inference.predict({ model: 'iris', rows: Float32Array.from([1, 2, 3]), route: 'x' }), { code: 'GW_MODEL_INPUT_INVALID', statusCode: 400, message: "Model 'iris' expects rows of 4 values, got 3 values" })
  await t.rejects(inference.predict({ model: model({ numFeatures: 2 }), rows: [SETOSA], route: 'x' }), { code: 'GW_MODEL_INPUT_INVALID' })
  t.same(records, [])

  const off = setup({ logging: false })
  const p = await off.inference.predict({ model: 'iris', rows: [SETOSA], route: 'x' })
  t.same(p.predicted, [0])
  t.same(off.records, [])
})
