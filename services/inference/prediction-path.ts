// The one prediction path every front takes (the v1 classify routes, /predict, the registry route,
// KServe V2 REST and gRPC, TF-Serving REST, the seed's gRPC iris service): the model version runs
// through its adaptive batcher (the model store meters every run), the exact cache answers when the
// caller asks, and every served row is logged for drift with the route that served it.
// Plain module: the inference plugin hands it the store, the cache and the prediction log.
import type { KeySource, WrapOptions, Wrapped } from '../cache/exact/exact.js'
import type { PredictionRecord } from '../drift/log/record.js'
import { loggedFeatureNames } from '../drift/stats/reference.js'
import { ModelInputError } from '../lib/errors.js'
import { featureColumns, roundFloat32, toRows } from './classification.js'
import { checkRows } from './input-checks.js'
import type { ModelStore, Prediction, ServedModel } from './model-store.js'
import type { IrisFeatures } from '../../schemas/iris.js'

/** What the path reads of an HTTP request: Cache-Control. */
export interface RequestLike { readonly headers: Record<string, string | string[] | undefined> }
/** What the path uses of an HTTP reply: its age (the logged latency) and the x-cache header. */
export interface ReplyLike { readonly elapsedTime: number, header: (name: string, value: string) => unknown }

export interface PredictInput {
  /** A loaded version (each protocol resolves names its own way), or a name resolved by the store. */
  model: ServedModel | string
  /** With a model name: the version (default: the model's default version). */
  version?: string
  /** Named Iris samples, or row-major values in the model's column order. */
  rows: Float32Array | readonly IrisFeatures[]
  /** What the prediction log records as the serving front: a route pattern or a gRPC method. */
  route: string
  /** HTTP fronts: Cache-Control: no-cache skips the cache lookup. */
  request?: RequestLike
  /** HTTP fronts: the logged latency is the reply's age; x-cache is set on it when the cache is used. */
  reply?: ReplyLike
  /** Answer from, and store into, the exact cache (HIT, MISS or BYPASS in x-cache). */
  cache?: boolean
}

export interface InferenceDeps {
  store: Pick<ModelStore, 'get' | 'predict'>
  cache: {
    wrap: <T>(key: KeySource, fn: () => Promise<T>, opts?: WrapOptions<T>) => Promise<Wrapped<T>>
    /** True when the client asked not to be served from a cache. */
    fresh: (request: RequestLike) => boolean
  } | null
  drift: { readonly enabled: boolean, timestamp: () => string, log: (record: PredictionRecord) => void }
  now?: () => number
  /** Wall clock in ms since the epoch, for `lastInference`. */
  clock?: () => number
}

/** Per loaded version, what every front's requests did (the protocol statistics read it). */
export interface RequestStats {
  success: number
  successNs: number
  fail: number
  failNs: number
  /** ms since the epoch of the last answered request; 0 before the first. */
  lastInference: number
}

/** A cached prediction: the probabilities (float32 values, exact through JSON) and the arg-max classes. */
interface Cached { probabilities: number[], predicted: number[] }

/** A fresh prediction as the cache stores it: serialised only if it is written (not when the key is held). */
class Fresh {
  constructor (readonly prediction: Prediction) {}
  toJSON (): Cached {
    const p = this.prediction.probabilities
    const probabilities = new Array<number>(p.length)
    for (let i = 0; i < p.length; i++) probabilities[i] = p[i]
    return { probabilities, predicted: this.prediction.predicted }
  }
}

const KEY_NAMESPACE = 'predict'
const LOOKUP: WrapOptions<Fresh | Cached> = {}
const FRESH: WrapOptions<Fresh | Cached> = { bypass: true }

export function createInference (deps: InferenceDeps) {
  const { store, cache, drift } = deps
  const now = deps.now ?? (() => performance.now())
  const clock = deps.clock ?? Date.now
  const requestStats = new WeakMap<ServedModel, RequestStats>()

  function statsOf (m: ServedModel): RequestStats {
    let s = requestStats.get(m)
    if (s === undefined) {
      s = { success: 0, successNs: 0, fail: 0, failNs: 0, lastInference: 0 }
      requestStats.set(m, s)
    }
    return s
  }

  function count (m: ServedModel, ok: boolean, t0: number): void {
    const s = statsOf(m)
    const ns = Math.round((now() - t0) * 1e6)
    if (ok) {
      s.success++
      s.successNs += ns
      s.lastInference = clock()
    } else {
      s.fail++
      s.failNs += ns
    }
  }
  // Per loaded version, made once: the key prefix (name, version, file digest) and the logged feature names.
  const keyPrefixes = new WeakMap<ServedModel, string>()
  const logNames = new WeakMap<ServedModel, string[]>()

  /** The values the model sees, in its column order: equal inputs give equal keys whatever the field order. */
  function keyOf (m: ServedModel, rows: Float32Array | readonly IrisFeatures[]): string {
    let key = keyPrefixes.get(m)
    if (key === undefined) {
      key = `${KEY_NAMESPACE}:${JSON.stringify([m.name, m.version, m.sha256]).slice(0, -1)}`
      keyPrefixes.set(m, key)
    }
    if (rows instanceof Float32Array) {
      for (let i = 0; i < rows.length; i++) key += ',' + rows[i]
    } else {
      const columns = featureColumns(m)
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]
        for (let c = 0; c < columns.length; c++) key += ',' + row[columns[c]]
      }
    }
    return key + ']'
  }

  /** Runs checked rows: finite float32 values within the model's feature bounds, else a 400 before anything runs or is logged. */
  function infer (m: ServedModel, rows: Float32Array | readonly IrisFeatures[]): Promise<Prediction> {
    if (!(rows instanceof Float32Array)) {
      const floats = toRows(m, rows)
      const columns = featureColumns(m)
      checkRows(m, floats, (r, c) => rows[r][columns[c]])
      return store.predict(m, floats, rows.length)
    }
    if (rows.length === 0 || rows.length % m.numFeatures !== 0) throw new ModelInputError(m.name, `rows of ${m.numFeatures} values, got ${rows.length} values`)
    checkRows(m, rows)
    return store.predict(m, rows, rows.length / m.numFeatures)
  }

  function fromCached (m: ServedModel, v: Cached): Prediction {
    const probabilities = Float32Array.from(v.probabilities)
    const rows = v.predicted.length
    // The label output is not kept: callers that need every output do not ask for the cache.
    const outputs = { [m.probabilityOutput]: { data: probabilities, dims: [rows, probabilities.length / rows] } }
    return { model: m, rows, probabilities, predicted: v.predicted, outputs }
  }

  function featuresOf (m: ServedModel, rows: Float32Array, r: number): Record<string, number> {
    let names = logNames.get(m)
    if (names === undefined) { names = loggedFeatureNames(m); logNames.set(m, names) }
    const width = m.numFeatures
    const features: Record<string, number> = {}
    // Back from float32 to the decimals the client sent (5.1, not 5.099999904632568).
    for (let c = 0; c < width; c++) features[names[c]] = roundFloat32(rows[r * width + c])
    return features
  }

  /** One record per served row. */
  function logRows (m: ServedModel, input: PredictInput, p: Prediction, start: number): void {
    const ts = drift.timestamp()
    const latency = Math.round((input.reply !== undefined ? input.reply.elapsedTime : now() - start) * 1000) / 1000
    const { rows, route } = input
    const floats = rows instanceof Float32Array ? rows : null
    const k = p.probabilities.length / p.rows
    for (let r = 0; r < p.rows; r++) {
      let prediction: string
      let confidence: number
      if (k === 1) {
        // A single column is the probability of the model's one class (a sigmoid): below 0.5 the
        // answer is the other side, with the complementary confidence.
        const q = roundFloat32(p.probabilities[r])
        const name = m.classes[0] ?? '1'
        prediction = q >= 0.5 ? name : `not ${name}`
        confidence = q >= 0.5 ? q : roundFloat32(1 - q)
      } else {
        const index = p.predicted[r]
        prediction = m.classes[index] ?? String(index)
        confidence = roundFloat32(p.probabilities[r * k + index])
      }
      drift.log({
        ts,
        model: m.name,
        version: m.version,
        features: floats !== null ? featuresOf(m, floats, r) : (rows as readonly IrisFeatures[])[r],
        prediction,
        confidence,
        latency_ms: latency,
        route
      })
    }
  }

  async function run (m: ServedModel, input: PredictInput, start: number): Promise<Prediction> {
    const t0 = now()
    let prediction: Prediction
    try {
      prediction = await infer(m, input.rows)
    } catch (err) {
      count(m, false, t0)
      throw err
    }
    count(m, true, t0)
    if (drift.enabled) logRows(m, input, prediction, start)
    return prediction
  }

  async function cached (m: ServedModel, input: PredictInput, start: number, c: NonNullable<InferenceDeps['cache']>): Promise<Prediction> {
    const t0 = now()
    let wrapped: Wrapped<Fresh | Cached>
    try {
      wrapped = await c.wrap<Fresh | Cached>(() => keyOf(m, input.rows), async () => new Fresh(await infer(m, input.rows)),
        input.request !== undefined && c.fresh(input.request) ? FRESH : LOOKUP)
    } catch (err) {
      count(m, false, t0)
      throw err
    }
    count(m, true, t0)
    const { value, status } = wrapped
    input.reply?.header('x-cache', status)
    // Cached answers are served answers too: the drift log sees every one.
    const prediction = value instanceof Fresh ? value.prediction : fromCached(m, value)
    if (drift.enabled) logRows(m, input, prediction, start)
    return prediction
  }

  return {
    /** Request counts and the last answer's time of one loaded version, over every front. */
    statsOf,
    /**
     * Runs (or answers from the cache) and logs one request's rows. Without the cache the rows are
     * enqueued on the version's batcher before this returns, so a version resolved just before
     * (a registry alias) cannot be retired in between.
     */
    predict (input: PredictInput): Promise<Prediction> {
      let m: ServedModel
      try {
        m = typeof input.model === 'string' ? store.get(input.model, input.version) : input.model
      } catch (err) {
        return Promise.reject(err)
      }
      const start = input.reply === undefined ? now() : 0
      if (input.cache === true && cache !== null) return cached(m, input, start, cache)
      return run(m, input, start)
    }
  }
}

export type Inference = ReturnType<typeof createInference>
