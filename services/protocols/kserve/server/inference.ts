// The KServe V2 / Triton model view of the in-process ONNX models, shared by the V2 REST routes and
// the gRPC front: metadata, readiness, config, statistics, repository index and inference through
// the shared prediction path (the store's adaptive batcher, metrics, prediction log). Protocol
// framing (JSON, binary, protobuf) stays with the callers.
import type { ModelStore, ServedModel } from '../../../inference/model-store.js'
import type { Inference, ReplyLike } from '../../../inference/prediction-path.js'
import type { TensorData } from '../../../inference/batcher.js'
import type { IndexRow, ModelRepository } from '../../../inference/repository.js'
import { ProtocolUnsupportedError, ServableNotFoundError, TensorInvalidError } from '../../../lib/errors.js'
import { topK } from './classification.js'
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
  /** The model directories that load / unload requests act on (the model_repository extension). */
  repository?: ModelRepository
}

export interface TensorMetadata { name: string, datatype: string, shape: number[] }

/** One decoded input: JSON data, or raw little-endian bytes (binary extension, gRPC raw contents). */
export interface InferInput { name: string, datatype: string, shape: number[], data?: unknown, raw?: Uint8Array }

export interface InferOutput { name: string, datatype: string, shape: number[], data: TensorData }

/** An output the client asked for; `classCount` > 0 asks for the classification extension's top N. */
export interface RequestedOutput { name: string, classCount?: number }

export const EXTENSIONS = ['binary_tensor_data', 'classification', 'model_configuration', 'statistics', 'model_repository']

/** Triton-style clients ask for `<model>_onnx`; `iris_onnx` serves the default model. */
const ALIAS_SUFFIX = '_onnx'

export function createKServe (opts: KServeOptions) {
  const { store, inference } = opts

  function resolve (name: string, version?: string): ServedModel {
    const v = version === undefined || version === '' ? undefined : version
    if (v !== undefined && !/^\d+$/.test(v)) throw new TensorInvalidError(`model version '${v}' must be a number`)
    const known = store.list().some((m) => m.name === name) || store.failures().some((f) => f.name === name)
    if (!known && name.endsWith(ALIAS_SUFFIX)) {
      const base = name.slice(0, -ALIAS_SUFFIX.length)
      if (base === opts.defaultModel) return get(base, v)
    }
    return get(name, v)
  }

  /** A model taken out of service by an unload request has no available versions: 404, as Triton answers. */
  function get (name: string, version?: string): ServedModel {
    try {
      return store.get(name, version)
    } catch (err) {
      if (opts.repository?.isUnloaded(name) === true && (err as { code?: string }).code === 'GW_MODEL_NOT_FOUND') {
        throw new ServableNotFoundError(`Request for unknown model: '${name}' has no available versions (unloaded; load it with POST /v2/repository/models/${name}/load)`)
      }
      throw err
    }
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

  function repository (): ModelRepository {
    if (opts.repository === undefined) throw new ProtocolUnsupportedError('explicit model load / unload is not available on this server')
    return opts.repository
  }

  /** The alias iris_onnx loads and unloads the default model. */
  const repositoryName = (name: string) => name === opts.defaultModel + ALIAS_SUFFIX ? opts.defaultModel : name

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

    /**
     * Triton's ModelConfig (snake_case, enums as names); dims exclude the batch dimension. An output
     * with only the batch dimension (label, [-1]) is written as Triton requires it: dims [1] with
     * reshape { shape: [] }, so the tensor clients see is [-1] + reshape, as metadata and responses say.
     */
    modelConfig (name: string, version?: string) {
      const m = resolve(name, version)
      const typeOf = (t: TensorMetadata) => `TYPE_${t.datatype === 'BYTES' ? 'STRING' : t.datatype}`
      return {
        name,
        platform: 'onnxruntime_onnx',
        backend: 'onnxruntime',
        max_batch_size: opts.maxBatchSize,
        input: inputsOf(m).map((t) => ({ name: t.name, data_type: typeOf(t), dims: t.shape.slice(1) })),
        output: outputsOf(m).map((t) => t.shape.length > 1
          ? { name: t.name, data_type: typeOf(t), dims: t.shape.slice(1) }
          : { name: t.name, data_type: typeOf(t), dims: [1], reshape: { shape: [] } }),
        dynamic_batching: {
          preferred_batch_size: [],
          max_queue_delay_microseconds: opts.queue.maxQueueDelayMicros,
          preserve_ordering: true,
          default_queue_policy: { timeout_action: 'REJECT', default_timeout_microseconds: 0, allow_timeout_override: false, max_queue_size: opts.queue.maxQueueSize }
        }
      }
    },

    /**
     * Statistics in Triton's shape, over every front (/api/v1/classify, /predict, V2, TF Serving,
     * gRPC): requests, their outcome and the last answer's time from the shared prediction path;
     * rows, executions, queue and compute time from the version's batcher.
     */
    statistics (name?: string, version?: string) {
      const models = name === undefined || name === '' ? store.list() : [resolve(name, version)]
      return {
        model_stats: models.map((m) => {
          const s = m.batcher.stats
          const r = inference.statsOf(m)
          return {
            name: name !== undefined && name !== '' ? name : m.name,
            version: m.version,
            last_inference: r.lastInference,
            inference_count: s.rows,
            execution_count: s.executions,
            inference_stats: {
              success: { count: r.success, ns: r.successNs },
              fail: { count: r.fail, ns: r.failNs },
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

    /** The model_repository extension's load: every version of the model directory, into service. */
    loadModel: (name: string) => repository().load(repositoryName(name)),
    /** ... and unload: out of service until loaded again. */
    unloadModel: (name: string) => repository().unload(repositoryName(name)),

    repositoryIndex (readyOnly = false) {
      const rows: IndexRow[] = store.list()
        .map((m) => ({ name: m.name, version: m.version, state: 'READY' }))
      const def = store.defaultVersion(opts.defaultModel)
      if (def !== null && !rows.some((r) => r.name === opts.defaultModel + ALIAS_SUFFIX)) {
        rows.push({ name: opts.defaultModel + ALIAS_SUFFIX, version: def, state: 'READY' })
      }
      if (!readyOnly) {
        rows.push(...store.failures().map((f) => ({ name: f.name, version: f.version, state: 'UNAVAILABLE', reason: f.error })))
        rows.push(...(opts.repository?.unloadedRows() ?? []))
      }
      return rows.sort((a, b) => a.name.localeCompare(b.name) || Number(a.version ?? 0) - Number(b.version ?? 0))
    },

    /**
     * Runs one V2 inference through the prediction path; `outputs` limits and orders the answer
     * (and asks for classification). `route` names the front in the prediction log; `reply` (HTTP)
     * gives the logged latency.
     */
    async infer (name: string, version: string | undefined, inputs: InferInput[], outputs: readonly RequestedOutput[] | undefined, route: string, reply?: ReplyLike) {
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
      const wanted: readonly RequestedOutput[] = outputs === undefined || outputs.length === 0 ? available.map((o) => ({ name: o.name })) : outputs
      for (const o of wanted) {
        if (!available.some((a) => a.name === o.name)) throw new TensorInvalidError(`unexpected inference output '${o.name}' for model '${name}'`)
      }
      const prediction = await inference.predict({ model: m, rows: data, route, reply })
      const result: InferOutput[] = wanted.map((o) => {
        const t = prediction.outputs[o.name]
        const datatype = available.find((a) => a.name === o.name)!.datatype
        if (o.classCount === undefined || o.classCount === 0) return { name: o.name, datatype, shape: [...t.dims], data: t.data }
        // Labels name the probability columns (the model's classes); other outputs have none.
        const labels = o.name === m.probabilityOutput && m.metadata.classes !== undefined ? m.classes : null
        return { name: o.name, datatype: 'BYTES', ...topK(o.name, datatype, t.data, prediction.rows, o.classCount, labels) }
      })
      return { model_name: name, model_version: m.version, outputs: result }
    }
  }
}

export type KServe = ReturnType<typeof createKServe>
