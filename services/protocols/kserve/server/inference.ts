// The KServe V2 / Triton model view of the in-process ONNX models, shared by the V2 REST routes and
// the gRPC front: metadata, readiness, config, statistics, repository index and inference through
// the shared prediction path (the store's adaptive batcher, metrics, prediction log). Protocol
// framing (JSON, binary, protobuf) stays with the callers.
import type { ModelStore, ServedModel } from '../../../inference/model-store.js'
import type { Inference, ReplyLike } from '../../../inference/prediction-path.js'
import type { TensorData } from '../../../inference/batcher.js'
import { TensorInvalidError } from '../../../lib/errors.js'
import { elementCount, float32FromBytes, float32FromJson, v2Datatype } from './tensors.js'

export interface KServeOptions {
  store: ModelStore
  /** The shared prediction path: batched, metered and logged for drift. */
  inference: Inference
  defaultModel: string
  serverName: string
  serverVersion: string
  /** Most rows one request may carry (reported as max_batch_size). */
  maxBatchSize: number
  queue: { maxQueueSize: number, maxQueueDelayMicros: number }
  now?: () => number
}

export interface TensorMetadata { name: string, datatype: string, shape: number[] }

/** One decoded input: JSON data, or raw little-endian bytes (binary extension, gRPC raw contents). */
export interface InferInput { name: string, datatype: string, shape: number[], data?: unknown, raw?: Uint8Array }

export interface InferOutput { name: string, datatype: string, shape: number[], data: TensorData }

export const EXTENSIONS = ['binary_tensor_data', 'model_configuration', 'statistics', 'model_repository']

/** Triton-style clients ask for `<model>_onnx`; `iris_onnx` serves the default model. */
const ALIAS_SUFFIX = '_onnx'

export function createKServe (opts: KServeOptions) {
  const { store, inference } = opts
  const now = opts.now ?? Date.now
  const lastInference = new Map<string, number>()

  function resolve (name: string, version?: string): ServedModel {
    const v = version === undefined || version === '' ? undefined : version
    if (v !== undefined && !/^\d+$/.test(v)) throw new TensorInvalidError(`model version '${v}' must be a number`)
    const known = store.list().some((m) => m.name === name) || store.failures().some((f) => f.name === name)
    if (!known && name.endsWith(ALIAS_SUFFIX)) {
      const base = name.slice(0, -ALIAS_SUFFIX.length)
      if (base === opts.defaultModel) return store.get(base, v)
    }
    return store.get(name, v)
  }

  function inputsOf (m: ServedModel): TensorMetadata[] {
    return [{ name: m.inputName, datatype: 'FP32', shape: [-1, m.numFeatures] }]
  }

  function outputsOf (m: ServedModel): TensorMetadata[] {
    const names = m.labelOutput === null ? [m.probabilityOutput] : [m.probabilityOutput, m.labelOutput]
    return names.map((name) => {
      const meta = m.session.outputMetadata.find((o) => o.name === name)
      const shape = meta?.isTensor === true ? meta.shape.map((d) => typeof d === 'number' ? d : -1) : [-1]
      return { name, datatype: v2Datatype(meta?.isTensor === true ? meta.type : 'string'), shape }
    })
  }

  function versionsOf (name: string): string[] {
    return store.list().filter((m) => m.name === name).map((m) => m.version)
  }

  function isReady (name: string, version?: string): boolean {
    try { resolve(name, version); return true } catch { return false }
  }

  return {
    resolve,
    serverMetadata: () => ({ name: opts.serverName, version: opts.serverVersion, extensions: EXTENSIONS }),
    serverReady: () => store.defaultVersion(opts.defaultModel) !== null,
    isReady,

    modelMetadata (name: string, version?: string) {
      const m = resolve(name, version)
      return {
        name,
        versions: version !== undefined && version !== '' ? [m.version] : versionsOf(m.name),
        platform: 'onnxruntime_onnx',
        inputs: inputsOf(m),
        outputs: outputsOf(m)
      }
    },

    /** Triton's ModelConfig (snake_case, enums as names); dims exclude the batch dimension. */
    modelConfig (name: string, version?: string) {
      const m = resolve(name, version)
      const typeOf = (t: TensorMetadata) => `TYPE_${t.datatype === 'BYTES' ? 'STRING' : t.datatype}`
      return {
        name,
        platform: 'onnxruntime_onnx',
        backend: 'onnxruntime',
        max_batch_size: opts.maxBatchSize,
        input: inputsOf(m).map((t) => ({ name: t.name, data_type: typeOf(t), dims: t.shape.slice(1) })),
        output: outputsOf(m).map((t) => ({ name: t.name, data_type: typeOf(t), dims: t.shape.length > 1 ? t.shape.slice(1) : [1] })),
        dynamic_batching: {
          preferred_batch_size: [],
          max_queue_delay_microseconds: opts.queue.maxQueueDelayMicros,
          preserve_ordering: true,
          default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: opts.queue.maxQueueSize }
        }
      }
    },

    /**
     * Statistics in Triton's shape, from the batcher's counters, so they include every front
     * (/api/v1/classify, V2, gRPC). The batcher counts failed executions, not failed requests, so
     * `fail` is a lower bound; success time is queue plus compute time.
     */
    statistics (name?: string, version?: string) {
      const models = name === undefined || name === '' ? store.list() : [resolve(name, version)]
      return {
        model_stats: models.map((m) => {
          const s = m.batcher.stats
          const failed = Math.min(s.failures, s.requests)
          return {
            name: name !== undefined && name !== '' ? name : m.name,
            version: m.version,
            last_inference: lastInference.get(`${m.name}/${m.version}`) ?? 0,
            inference_count: s.rows,
            execution_count: s.executions,
            inference_stats: {
              success: { count: s.requests - failed, ns: s.queueNs + s.computeNs },
              fail: { count: failed, ns: 0 },
              queue: { count: s.requests, ns: s.queueNs },
              compute_input: { count: s.executions, ns: 0 },
              compute_infer: { count: s.executions, ns: s.computeNs },
              compute_output: { count: s.executions, ns: 0 },
              cache_hit: { count: 0, ns: 0 },
              cache_miss: { count: 0, ns: 0 }
            },
            batch_stats: [],
            memory_usage: []
          }
        })
      }
    },

    repositoryIndex (readyOnly = false) {
      const rows: Array<{ name: string, version: string, state: string, reason?: string }> = store.list()
        .map((m) => ({ name: m.name, version: m.version, state: 'READY' }))
      const def = store.defaultVersion(opts.defaultModel)
      if (def !== null && !rows.some((r) => r.name === opts.defaultModel + ALIAS_SUFFIX)) {
        rows.push({ name: opts.defaultModel + ALIAS_SUFFIX, version: def, state: 'READY' })
      }
      if (!readyOnly) rows.push(...store.failures().map((f) => ({ name: f.name, version: f.version, state: 'UNAVAILABLE', reason: f.error })))
      return rows.sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version))
    },

    /**
     * Runs one V2 inference through the prediction path; `outputs` limits and orders the answer.
     * `route` names the front in the prediction log; `reply` (HTTP) gives the logged latency.
     */
    async infer (name: string, version: string | undefined, inputs: InferInput[], outputs: string[] | undefined, route: string, reply?: ReplyLike) {
      const m = resolve(name, version)
      if (inputs.length !== 1) throw new TensorInvalidError(`expected 1 inputs but got ${inputs.length} inputs for model '${name}'`)
      const input = inputs[0]
      if (input.name !== m.inputName) throw new TensorInvalidError(`unexpected inference input '${input.name}' for model '${name}', expecting '${m.inputName}'`)
      if (input.datatype !== 'FP32') throw new TensorInvalidError(`inference input '${input.name}' data-type is '${input.datatype}', but model '${name}' expects 'FP32'`)
      const [rows, width] = input.shape
      if (input.shape.length !== 2 || width !== m.numFeatures || !Number.isInteger(rows) || rows < 1) {
        throw new TensorInvalidError(`unexpected shape for input '${input.name}' for model '${name}'. Expected [-1,${m.numFeatures}], got [${input.shape.join(',')}]`)
      }
      if (rows > opts.maxBatchSize) throw new TensorInvalidError(`inference request batch-size must be <= ${opts.maxBatchSize} for '${name}'`)
      const count = elementCount(input.shape)
      const data = input.raw !== undefined ? float32FromBytes(input.raw, count, input.name) : float32FromJson(input.data, count, input.name)
      const available = outputsOf(m)
      const wanted = outputs === undefined || outputs.length === 0 ? available.map((o) => o.name) : outputs
      for (const o of wanted) {
        if (!available.some((a) => a.name === o)) throw new TensorInvalidError(`unexpected inference output '${o}' for model '${name}'`)
      }
      const prediction = await inference.predict({ model: m, rows: data, route, reply })
      lastInference.set(`${m.name}/${m.version}`, now())
      const result: InferOutput[] = wanted.map((o) => {
        const t = prediction.outputs[o]
        return { name: o, datatype: available.find((a) => a.name === o)!.datatype, shape: [...t.dims], data: t.data }
      })
      return { model_name: name, model_version: m.version, outputs: result }
    }
  }
}

export type KServe = ReturnType<typeof createKServe>
