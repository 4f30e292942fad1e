// The set of served model versions: loading, the default version per model, batched inference,
// swapping and releasing. Plain module; the onnx plugin wires it to config, metrics and health.
import type * as ort from 'onnxruntime-node'
import { Tensor } from 'onnxruntime-node'
import { createBatcher, type Batcher, type Outputs } from './batcher.js'
import { InferenceFailedError, isGatewayError, ModelLoadError, ModelNotFoundError, ModelUnavailableError, ModelVersionNotFoundError } from '../lib/errors.js'
import { checkInstanceSettings, createWorkerPool, planInstances, probeBatchMs, type InstanceDefaults, type InstancePlan, type WorkerPool } from './instances.js'
import { argmaxRows, openModelVersion, type ModelVersion, type ServingSettings, type VersionDir } from './onnx-models.js'

export interface StoreOptions {
  sessionOptions: ort.InferenceSession.SessionOptions
  batching: { enabled: boolean, maxBatchSize: number, maxQueueSize: number, maxQueueDelayMicros: number }
  /** Where versions run (main thread or worker threads) unless serving.json says; default: decided by the probe. */
  instances?: InstanceDefaults
  /** Called once per version with hooks for its metrics. */
  instrument?: (name: string, version: string) => Instruments
}

export interface Instruments {
  success: () => void
  failure: () => void
  rows: (n: number) => void
  duration: (seconds: number) => void
  batch: (rows: number) => void
  /** A worker instance failed and was replaced. */
  restart?: () => void
}

export interface ServedModel extends ModelVersion {
  batcher: Batcher
  instruments: Instruments
  loadedAt: string
  /** Where the version runs; `pool` holds its worker threads (kind worker). */
  instances: { plan: InstancePlan, pool: WorkerPool | null }
}

export interface Prediction {
  /** The version that answered. */
  model: ServedModel
  rows: number
  /** Row-major [rows, classes]. */
  probabilities: Float32Array
  predicted: number[]
  outputs: Outputs
}

interface Entry { versions: Map<string, ServedModel>, defaultVersion: string | null }

const noop = () => {}
const silent: Instruments = { success: noop, failure: noop, rows: noop, duration: noop, batch: noop }
const AUTO: InstanceDefaults = { kind: 'auto', count: 1, workerThresholdMs: 5, runTimeoutMs: 30_000 }

export function createModelStore (opts: StoreOptions) {
  const models = new Map<string, Entry>()
  const failures = new Map<string, { name: string, version: string, error: string }>()

  function executorFor (m: ModelVersion) {
    const fetches = fetchesOf(m)
    return async (input: Float32Array, rows: number): Promise<Outputs> => {
      const result = await m.session.run({ [m.inputName]: new Tensor('float32', input, [rows, m.numFeatures]) }, fetches)
      const outputs: Outputs = {}
      for (const name of fetches) outputs[name] = { data: result[name].data as Outputs[string]['data'], dims: result[name].dims }
      return outputs
    }
  }

  async function load (dir: VersionDir, settings: ServingSettings = {}): Promise<ServedModel> {
    const key = `${dir.name}/${dir.version}`
    const instanceDefaults = opts.instances ?? AUTO
    const maxBatchSize = settings.max_batch_size ?? opts.batching.maxBatchSize
    let opened: ModelVersion | null = null
    let plan: InstancePlan
    let pool: WorkerPool | null = null
    // Set once loaded; a restart before that has no series to count in.
    let instruments = silent
    try {
      const instanceSettings = checkInstanceSettings(settings as Record<string, unknown>)
      const { bytes, ...version } = await openModelVersion(dir, opts.sessionOptions)
      opened = version
      plan = await planInstances(instanceSettings, instanceDefaults,
        () => probeBatchMs(version.session, version.inputName, version.numFeatures, version.probabilityOutput, maxBatchSize), maxBatchSize)
      if (plan.kind === 'worker') {
        pool = createWorkerPool({
          name: dir.name,
          version: dir.version,
          bytes,
          sessionOptions: opts.sessionOptions,
          inputName: version.inputName,
          numFeatures: version.numFeatures,
          fetches: fetchesOf(version),
          count: plan.count,
          runTimeoutMs: instanceDefaults.runTimeoutMs,
          onRestart: () => instruments.restart?.()
        })
        await pool.ready()
      }
    } catch (err) {
      await pool?.close()
      await opened?.session.release()
      failures.set(key, { name: dir.name, version: dir.version, error: (err as Error).message })
      // The format gate's refusals (415, 422) keep their code: they name what is wrong with the artifact.
      if (isGatewayError(err)) throw err
      throw new ModelLoadError(dir.name, dir.version, (err as Error).message, { cause: err })
    }
    failures.delete(key)
    instruments = opts.instrument?.(dir.name, dir.version) ?? silent
    const version = opened as ModelVersion
    const batcher = createBatcher(pool !== null ? pool.execute : executorFor(version), {
      name: dir.name,
      rowWidth: version.numFeatures,
      enabled: settings.batching ?? opts.batching.enabled,
      // A batch goes to each free instance: with N instances, N batches run at once.
      maxInflight: plan.count,
      maxBatchSize,
      maxQueueSize: settings.max_queue_size ?? opts.batching.maxQueueSize,
      maxQueueDelayMicros: settings.max_queue_delay_micros ?? opts.batching.maxQueueDelayMicros
    })
    batcher.onBatch(instruments.batch)
    const served: ServedModel = { ...version, batcher, instruments, loadedAt: new Date().toISOString(), instances: { plan, pool } }
    const entry = models.get(dir.name) ?? { versions: new Map(), defaultVersion: null }
    const previous = entry.versions.get(dir.version)
    entry.versions.set(dir.version, served)
    if (entry.defaultVersion === null || Number(dir.version) > Number(entry.defaultVersion)) entry.defaultVersion = dir.version
    models.set(dir.name, entry)
    if (previous !== undefined) void retire(previous)
    return served
  }

  /** Waits for a replaced version's queued and running requests, then frees its session. */
  async function retire (m: ServedModel): Promise<void> {
    await m.batcher.drain()
    await m.instances.pool?.close()
    await m.session.release()
  }

  function get (name: string, version?: string): ServedModel {
    const entry = models.get(name)
    const wanted = version ?? entry?.defaultVersion ?? undefined
    const served = wanted === undefined ? undefined : entry?.versions.get(wanted)
    if (served !== undefined) return served
    const failed = [...failures.values()].find((f) => f.name === name && (wanted === undefined || f.version === wanted))
    if (failed !== undefined) throw new ModelUnavailableError(name, failed.version, failed.error)
    if (entry === undefined) throw new ModelNotFoundError(name)
    throw new ModelVersionNotFoundError(name, String(wanted))
  }

  async function predict (m: ServedModel, input: Float32Array, rows: number): Promise<Prediction> {
    const start = performance.now()
    let outputs: Outputs
    try {
      outputs = await m.batcher.run(input, rows)
    } catch (err) {
      m.instruments.failure()
      if (isGatewayError(err)) throw err
      throw new InferenceFailedError(m.name, (err as Error).message, { cause: err })
    }
    m.instruments.success()
    m.instruments.rows(rows)
    m.instruments.duration((performance.now() - start) / 1000)
    const probabilities = outputs[m.probabilityOutput].data as Float32Array
    return { model: m, rows, probabilities, predicted: argmaxRows(probabilities, rows), outputs }
  }

  return {
    load,
    get,
    predict,
    /** Makes `version` the one served when a request names none. */
    setDefault (name: string, version: string): void {
      const entry = models.get(name)
      if (entry === undefined) throw new ModelNotFoundError(name)
      if (!entry.versions.has(version)) throw new ModelVersionNotFoundError(name, version)
      entry.defaultVersion = version
    },
    async unload (name: string, version: string): Promise<void> {
      const entry = models.get(name)
      const m = entry?.versions.get(version)
      if (entry === undefined || m === undefined) return
      entry.versions.delete(version)
      if (entry.defaultVersion === version) entry.defaultVersion = [...entry.versions.keys()].sort((a, b) => Number(b) - Number(a))[0] ?? null
      if (entry.versions.size === 0) models.delete(name)
      await retire(m)
    },
    list (): ServedModel[] {
      return [...models.values()].flatMap((e) => [...e.versions.values()])
    },
    defaultVersion (name: string): string | null {
      return models.get(name)?.defaultVersion ?? null
    },
    failures (): Array<{ name: string, version: string, error: string }> {
      return [...failures.values()]
    },
    /** Drops a load failure a caller reports itself (a registry version refused with a 4xx), so /health does not. */
    forgetFailure (name: string, version: string): void {
      failures.delete(`${name}/${version}`)
    },
    async close (): Promise<void> {
      const all = [...models.values()].flatMap((e) => [...e.versions.values()])
      models.clear()
      await Promise.all(all.map(retire))
    }
  }
}

export type ModelStore = ReturnType<typeof createModelStore>

function fetchesOf (m: ModelVersion): string[] {
  return m.labelOutput === null ? [m.probabilityOutput] : [m.probabilityOutput, m.labelOutput]
}
