// TensorFlow Serving's REST API over the in-process models: model status, metadata (SignatureDef),
// :predict in row ("instances") and columnar ("inputs") formats, and :classify / :regress on
// tf.Example JSON ("examples", "context"), with TF Serving's messages.
// Signatures: serving_default returns the probabilities alone (as a Keras softmax model would);
// predict_all returns probabilities and label; a classifier also has `classification` (method
// classify), a regressor `regression` (method regress).
import { BadRequestError, ServableNotFoundError, TensorInvalidError } from '../../../lib/errors.js'
import type { ModelStore, ServedModel } from '../../../inference/model-store.js'
import type { Inference, ReplyLike } from '../../../inference/prediction-path.js'
import { roundFloat32 } from '../../../inference/classification.js'
import { FLOAT32_MAX } from '../../../inference/input-checks.js'
import type { TensorData } from '../../../inference/batcher.js'
import { rowsOfExamples, type ExamplesBody } from './examples.js'

export const DEFAULT_SIGNATURE = 'serving_default'
const ALL_SIGNATURE = 'predict_all'
const LABELS = ['default', 'latest']

export interface ModelPath { model: string, version?: string, label?: string }

export interface PredictBody extends ExamplesBody { signature_name?: string, instances?: unknown, inputs?: unknown }

const METHOD_NAMES: Record<string, string> = { predict: 'tensorflow/serving/predict', classify: 'tensorflow/serving/classify', regress: 'tensorflow/serving/regress' }

/** A regressor (its one float column is the value), as the trainer's metadata names the model type. */
export const isRegressor = (m: ServedModel): boolean => /regress/i.test(String(m.metadata.model_type ?? '')) || m.metadata.task === 'regression'

export interface TfServingOptions {
  store: ModelStore
  /** The shared prediction path: batched, metered and logged for drift. */
  inference: Inference
  maxRows: number
}

/** "iris:predict" -> ["iris", "predict"]; TF Serving's path regex allows no other form. */
export function splitMethod (target: string): [string, string] {
  const at = target.lastIndexOf(':')
  return [target.slice(0, at), target.slice(at + 1)]
}

export function createTfServing (opts: TfServingOptions) {
  const { store, inference } = opts

  function versionsOf (name: string): ServedModel[] {
    return store.list().filter((m) => m.name === name).sort((a, b) => Number(a.version) - Number(b.version))
  }

  function resolve (p: ModelPath): ServedModel {
    let version = p.version
    if (p.label !== undefined) {
      if (!LABELS.includes(p.label)) throw new BadRequestError(`Unrecognized servable version label: ${p.label}`)
      const all = versionsOf(p.model)
      version = p.label === 'latest' ? all.at(-1)?.version : store.defaultVersion(p.model) ?? undefined
    }
    try {
      return store.get(p.model, version)
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err
      throw new ServableNotFoundError(`Servable not found for request: ${version === undefined ? `Latest(${p.model})` : `Specific(${p.model}, ${version})`}`)
    }
  }

  function outputsFor (m: ServedModel, signature: string): string[] {
    if (signature === DEFAULT_SIGNATURE || m.labelOutput === null) return [m.probabilityOutput]
    return [m.probabilityOutput, m.labelOutput]
  }

  function tensorInfo (name: string, dtype: string, dims: number[]) {
    return { dtype, tensor_shape: { dim: dims.map((d) => ({ size: String(d), name: '' })), unknown_rank: false }, name }
  }

  /** Rows of the single float input from either format; TF Serving's own error messages. */
  function rowsOf (m: ServedModel, body: PredictBody): number[][] {
    if (body.instances !== undefined && body.inputs !== undefined) throw new BadRequestError("Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist")
    if (body.instances === undefined && body.inputs === undefined) throw new BadRequestError("Missing 'inputs' or 'instances' key")
    let rows: unknown
    if (body.instances !== undefined) {
      if (!Array.isArray(body.instances)) throw new BadRequestError("Expecting 'instances' to be an list/array")
      if (body.instances.length === 0) throw new BadRequestError("No values in 'instances' array")
      rows = body.instances.map((r) => isNamed(r) ? named(r, m.inputName) : r)
    } else {
      rows = isNamed(body.inputs) ? named(body.inputs, m.inputName) : body.inputs
    }
    if (!Array.isArray(rows) || rows.length === 0) throw new TensorInvalidError(`input '${m.inputName}' must be a non-empty list of rows`)
    if (rows.length > opts.maxRows) throw new TensorInvalidError(`at most ${opts.maxRows} rows per request, got ${rows.length}`)
    rows.forEach((r, i) => {
      if (!Array.isArray(r) || r.length !== m.numFeatures || !r.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new TensorInvalidError(`input '${m.inputName}' row ${i} must be ${m.numFeatures} numbers, got ${describe(r)}`)
      }
      const j = r.findIndex((v) => Math.abs(v) > FLOAT32_MAX)
      if (j !== -1) throw new TensorInvalidError(`input '${m.inputName}' row ${i} value ${j} is ${r[j]}, outside the float32 range (+/-${FLOAT32_MAX})`)
    })
    return rows as number[][]
  }

  return {
    resolve,
    /** GET /v1/models/{m}[/versions/{v}]: every version (labels are ignored, as TF Serving does). */
    status (p: ModelPath) {
      const loaded = versionsOf(p.model)
      const failed = store.failures().filter((f) => f.name === p.model)
      if (loaded.length === 0 && failed.length === 0) throw new ServableNotFoundError(`Could not find any versions of model ${p.model}`)
      const all = [
        ...loaded.map((m) => ({ version: m.version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } })),
        ...failed.map((f) => ({ version: f.version, state: 'END', status: { error_code: 'UNKNOWN', error_message: f.error } }))
      ].sort((a, b) => Number(b.version) - Number(a.version))
      if (p.version === undefined) return { model_version_status: all }
      const one = all.filter((s) => s.version === p.version)
      if (one.length === 0) throw new ServableNotFoundError(`Could not find version ${p.version} of model ${p.model}`)
      return { model_version_status: one }
    },

    metadata (p: ModelPath) {
      const m = resolve(p)
      const outputs = (signature: string) => Object.fromEntries(outputsFor(m, signature).map((o) => o === m.probabilityOutput
        ? [o, tensorInfo(o, 'DT_FLOAT', [-1, m.classes.length])]
        : [o, tensorInfo(o, m.labelType === 'int64' ? 'DT_INT64' : 'DT_STRING', [-1])]))
      const signature = (name: string) => ({
        inputs: { [m.inputName]: tensorInfo(m.inputName, 'DT_FLOAT', [-1, m.numFeatures]) },
        outputs: outputs(name),
        method_name: METHOD_NAMES.predict,
        defaults: {}
      })
      // Classify and Regress read serialized tf.Examples, as an Estimator export declares them.
      const examples = { inputs: tensorInfo('input_example_tensor:0', 'DT_STRING', [-1]) }
      const extra = isRegressor(m)
        ? { regression: { inputs: examples, outputs: { outputs: tensorInfo('outputs', 'DT_FLOAT', [-1, 1]) }, method_name: METHOD_NAMES.regress, defaults: {} } }
        : { classification: { inputs: examples, outputs: { classes: tensorInfo('classes', 'DT_STRING', [-1, m.classes.length]), scores: tensorInfo('scores', 'DT_FLOAT', [-1, m.classes.length]) }, method_name: METHOD_NAMES.classify, defaults: {} } }
      return {
        model_spec: { name: p.model, signature_name: '', version: m.version },
        metadata: { signature_def: { signature_def: { [DEFAULT_SIGNATURE]: signature(DEFAULT_SIGNATURE), [ALL_SIGNATURE]: signature(ALL_SIGNATURE), ...extra } } }
      }
    },

    /** :predict, :classify or :regress. `route` names the front in the prediction log; `reply` (HTTP) gives the logged latency. */
    async run (p: ModelPath, method: string, body: PredictBody, route: string, reply?: ReplyLike) {
      return method === 'predict' ? this.predict(p, body, route, reply) : this.classifyOrRegress(p, method, body, route, reply)
    },

    /**
     * Classify: per example, every class with its score, in class order ({"results": [[[label,
     * score], ...], ...]}). Regress: one value per example ({"results": [v, ...]}). The model must
     * be of the kind the method needs, as TF Serving checks the signature's method_name.
     */
    async classifyOrRegress (p: ModelPath, method: string, body: PredictBody, route: string, reply?: ReplyLike) {
      const m = resolve(p)
      const own = isRegressor(m) ? 'regress' : 'classify'
      const named = body.signature_name === undefined || body.signature_name === '' ? DEFAULT_SIGNATURE : body.signature_name
      const known = [DEFAULT_SIGNATURE, ALL_SIGNATURE, own === 'regress' ? 'regression' : 'classification']
      if (!known.includes(named)) throw new BadRequestError(`Serving signature name: "${named}" not found in signature def`)
      if (method !== own) {
        const kind = method === 'regress' ? 'regression' : 'classification'
        throw new BadRequestError(`Expected ${kind} signature method_name to be ${METHOD_NAMES[method]}. Was: ${METHOD_NAMES[own]}`)
      }
      const rows = rowsOfExamples(body, { featureNames: m.featureNames, inputName: m.inputName, maxRows: opts.maxRows })
      const prediction = await inference.predict({ model: m, rows: Float32Array.from(rows.flat()), route, reply })
      const scores = splitRows(prediction.probabilities, rows.length)
      if (own === 'regress') return { results: scores.map((v) => Array.isArray(v) ? v[0] : v) }
      return { results: scores.map((row) => (Array.isArray(row) ? row : [row]).map((score, i) => [m.classes[i] ?? String(i), score])) }
    },

    async predict (p: ModelPath, body: PredictBody, route: string, reply?: ReplyLike) {
      const m = resolve(p)
      const signature = body.signature_name === undefined || body.signature_name === '' ? DEFAULT_SIGNATURE : body.signature_name
      if (signature !== DEFAULT_SIGNATURE && signature !== ALL_SIGNATURE) throw new BadRequestError(`Serving signature name: "${signature}" not found in signature def`)
      const rows = rowsOf(m, body)
      const prediction = await inference.predict({ model: m, rows: Float32Array.from(rows.flat()), route, reply })
      const names = outputsFor(m, signature)
      const perRow = names.map((n) => splitRows(prediction.outputs[n].data, rows.length))
      if (body.instances !== undefined) {
        // Row format: one value per row with one output, else one object per row.
        const predictions = rows.map((_, r) => names.length === 1 ? perRow[0][r] : Object.fromEntries(names.map((n, k) => [n, perRow[k][r]])))
        return { predictions }
      }
      return { outputs: names.length === 1 ? perRow[0] : Object.fromEntries(names.map((n, k) => [n, perRow[k]])) }
    }
  }
}

/** A short view of a bad row: never the whole of it (a 10,000-level nesting would overflow JSON.stringify). */
function describe (r: unknown): string {
  if (!Array.isArray(r)) return r === null ? 'null' : typeof r
  if (r.length <= 16 && r.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(r)
  return `a list of ${r.length} items${r.some((v) => Array.isArray(v)) ? ' with nested lists' : ''}`
}

function isNamed (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function named (x: Record<string, unknown>, input: string): unknown {
  const keys = Object.keys(x)
  if (keys.length !== 1 || keys[0] !== input) throw new TensorInvalidError(`the model has one input, '${input}'; got ${keys.map((k) => `'${k}'`).join(', ')}`)
  return x[input]
}

/** One JSON value per row: a list for [rows, k] outputs, a scalar for [rows]. */
function splitRows (data: TensorData, rows: number): unknown[] {
  const k = data.length / rows
  const value = (v: unknown) => typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? roundFloat32(v) : v
  const flat = data as ArrayLike<unknown>
  return Array.from({ length: rows }, (_, r) => {
    const row = Array.from({ length: k }, (_, c) => value(flat[r * k + c]))
    return k === 1 ? row[0] : row
  })
}
