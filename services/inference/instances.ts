// Model instances, like Triton's instance_group: a version runs either on the main thread (one
// instance: onnxruntime-node's session.run is synchronous, so it blocks the event loop while it runs)
// or on N worker threads, each with its own InferenceSession, that the batcher feeds one batch each.
// The kind is chosen per version: serving.json's `kind`, else INSTANCE_KIND, else (auto) a timed
// probe at load: a batch of BATCH_MAX_SIZE rows costing at least the threshold goes to workers, where
// the ~0.1 ms of a thread round trip is small next to the run and the event loop stays free.
import { Worker } from 'node:worker_threads'
import type * as ort from 'onnxruntime-node'
import { Tensor } from 'onnxruntime-node'
import type { Outputs } from './batcher.js'
import { ModelInstanceFailedError } from '../lib/errors.js'
import type { FromWorker, ToWorker, WorkerInit } from './instance-worker.js'

export type InstanceKind = 'main' | 'worker'

export interface InstanceSettings {
  /** serving.json `kind`: where the instances run. */
  kind?: InstanceKind
  /** serving.json `instances`: worker threads (kind worker only). */
  instances?: number
}

export interface InstanceDefaults {
  /** INSTANCE_KIND: `auto` decides from the probe. */
  kind: InstanceKind | 'auto'
  /** INSTANCE_COUNT: worker instances when serving.json does not say. */
  count: number
  /** INSTANCE_WORKER_THRESHOLD_MS: a probe batch at least this slow goes to workers. */
  workerThresholdMs: number
  /** INSTANCE_RUN_TIMEOUT_MS: a worker that has not answered a batch by then is replaced. */
  runTimeoutMs: number
}

export interface InstancePlan {
  kind: InstanceKind
  count: number
  /** Median ms of the probe batch on the main thread; null when the kind was configured. */
  probeMs: number | null
  /** Rows of the probe batch. */
  probeRows: number
  /** Where the kind came from. */
  source: 'serving.json' | 'config' | 'probe'
}

/** Checks serving.json's instance fields; throws a message naming the field. */
export function checkInstanceSettings (s: Record<string, unknown>): InstanceSettings {
  if (s.kind !== undefined && s.kind !== 'main' && s.kind !== 'worker') throw new Error(`serving.json: kind must be "main" or "worker", got ${JSON.stringify(s.kind)}`)
  if (s.instances !== undefined && !(Number.isInteger(s.instances) && (s.instances as number) >= 1 && (s.instances as number) <= 64)) {
    throw new Error(`serving.json: instances must be an integer from 1 to 64, got ${JSON.stringify(s.instances)}`)
  }
  if (s.kind === 'main' && s.instances !== undefined && s.instances !== 1) {
    throw new Error('serving.json: kind "main" has one instance (session.run blocks the event loop); use kind "worker" for more')
  }
  return { kind: s.kind as InstanceKind | undefined, instances: s.instances as number | undefined }
}

/** Median ms of `runs` timed runs of a `rows`-row batch, after one warm-up run. */
export async function probeBatchMs (session: ort.InferenceSession, inputName: string, numFeatures: number, fetch: string, rows: number, runs = 3): Promise<number> {
  const feeds = { [inputName]: new Tensor('float32', new Float32Array(rows * numFeatures), [rows, numFeatures]) }
  await session.run(feeds, [fetch])
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await session.run(feeds, [fetch])
    times.push(performance.now() - t0)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]
}

export async function planInstances (settings: InstanceSettings, defaults: InstanceDefaults, probe: () => Promise<number>, probeRows: number): Promise<InstancePlan> {
  const configured = settings.kind ?? (defaults.kind === 'auto' ? undefined : defaults.kind)
  let kind: InstanceKind
  let probeMs: number | null = null
  if (configured !== undefined) {
    kind = configured
  } else {
    probeMs = await probe()
    kind = probeMs >= defaults.workerThresholdMs ? 'worker' : 'main'
  }
  const source = settings.kind !== undefined ? 'serving.json' : configured !== undefined ? 'config' : 'probe'
  return { kind, count: kind === 'main' ? 1 : settings.instances ?? defaults.count, probeMs, probeRows, source }
}

export interface PoolOptions extends Omit<WorkerInit, 'bytes'> {
  /** The model, named in errors. */
  name: string
  version: string
  bytes: Uint8Array
  count: number
  runTimeoutMs: number
  /** Called each time a failed instance is replaced. */
  onRestart?: (reason: string) => void
}

interface Job {
  id: number
  resolve: (out: Outputs) => void
  reject: (err: Error) => void
  timer: NodeJS.Timeout
}

interface Instance {
  index: number
  worker: Worker | null
  job: Job | null
  /** Why the thread failed (its 'error' event, a timeout), for the exit that follows; it takes no batch meanwhile. */
  failure: string | null
  /** Consecutive deaths before answering anything: spaces out the restarts of a crash loop. */
  deaths: number
  restartTimer: NodeJS.Timeout | null
  /** The thread has opened its session: batches go to it from then on (they wait for a replacement's start). */
  ready: boolean
}

interface Waiting { input: Float32Array, rows: number, owned: boolean, resolve: (out: Outputs) => void, reject: (err: Error) => void }

// The build runs instance-worker.js, the sibling of this file. From the .ts sources (tests, `npm run
// dev`) the thread first registers tsx's loader, which a worker does not inherit from the main thread.
const FROM_SOURCES = import.meta.url.endsWith('.ts')
const WORKER_URL = new URL(FROM_SOURCES ? './instance-worker.ts' : './instance-worker.js', import.meta.url)
const START_TIMEOUT_MS = 60_000
const TSX_BOOTSTRAP = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}) })`

/** N worker threads behind one executor: a batch goes to a free instance, else waits for the first to free up. */
export function createWorkerPool (opts: PoolOptions) {
  const init: WorkerInit = { bytes: opts.bytes, sessionOptions: opts.sessionOptions, inputName: opts.inputName, numFeatures: opts.numFeatures, fetches: opts.fetches }
  const instances: Instance[] = []
  const waiting: Waiting[] = []
  const exits = new Set<Promise<void>>()
  let nextId = 0
  let restarts = 0
  let closing = false

  function spawn (inst: Instance): Promise<void> {
    const name = `${opts.name}/${opts.version}#${inst.index}`
    const worker = FROM_SOURCES ? new Worker(TSX_BOOTSTRAP, { eval: true, workerData: init, name }) : new Worker(WORKER_URL, { workerData: init, name })
    inst.worker = worker
    inst.failure = null
    inst.ready = false
    // Opening a session is bounded too (a large model takes seconds): a thread that never gets ready is replaced like a hung one.
    const startMs = Math.max(opts.runTimeoutMs, START_TIMEOUT_MS)
    const startTimer = setTimeout(() => {
      inst.failure = `did not open its session within ${startMs} ms`
      void worker.terminate()
    }, startMs)
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (msg: FromWorker) => { if (msg.type === 'ready') resolve() })
      worker.once('exit', (code) => reject(new Error(inst.failure ?? `its thread exited with code ${code}`)))
    })
    ready.catch(() => {}) // a replacement's start-up failure is handled by the exit listener below
    worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') {
        clearTimeout(startTimer)
        inst.ready = true
        return next(inst)
      }
      const job = inst.job
      if (job === null || job.id !== msg.id) return
      clearTimeout(job.timer)
      inst.job = null
      inst.deaths = 0
      if (msg.type === 'result') job.resolve(msg.outputs as Outputs)
      else job.reject(new Error(msg.message))
      next(inst)
    })
    worker.on('error', (err) => { inst.failure ??= err.message })
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        resolve()
        clearTimeout(startTimer)
        if (inst.worker !== worker) return
        inst.worker = null
        inst.ready = false
        if (closing) return
        const reason = inst.failure ?? `its thread exited with code ${code}`
        fail(inst, reason)
        restarts++
        inst.deaths++
        opts.onRestart?.(reason)
        const respawn = () => { inst.restartTimer = null; void spawn(inst) }
        if (inst.deaths <= 1) return respawn()
        // A crash loop (a thread that dies before answering, again and again) is slowed down, not spun,
        // and the batches waiting for it are answered now.
        inst.restartTimer = setTimeout(respawn, Math.min(5000, 50 * 2 ** inst.deaths))
        if (instances.every((i) => !i.ready)) {
          for (const w of waiting.splice(0)) w.reject(new ModelInstanceFailedError(opts.name, opts.version, inst.index, reason))
        }
      })
    })
    exits.add(exited)
    void exited.then(() => exits.delete(exited))
    return ready
  }

  function fail (inst: Instance, reason: string): void {
    const job = inst.job
    if (job === null) return
    clearTimeout(job.timer)
    inst.job = null
    job.reject(new ModelInstanceFailedError(opts.name, opts.version, inst.index, reason))
  }

  function send (inst: Instance, w: Waiting): void {
    // The batcher's own concatenation is moved to the thread; a caller's array (a single request's
    // rows, maybe a view on a request body) is copied first, so the caller keeps it intact.
    const whole = w.owned && w.input.byteOffset === 0 && w.input.byteLength === w.input.buffer.byteLength && w.input.buffer instanceof ArrayBuffer
    const input = whole ? w.input : w.input.slice()
    const id = nextId++
    const timer = setTimeout(() => {
      inst.failure = `no answer within ${opts.runTimeoutMs} ms`
      fail(inst, inst.failure)
      void inst.worker?.terminate()
    }, opts.runTimeoutMs)
    inst.job = { id, resolve: w.resolve, reject: w.reject, timer }
    inst.worker!.postMessage({ type: 'run', id, input, rows: w.rows } satisfies ToWorker, [input.buffer as ArrayBuffer])
  }

  function next (inst: Instance): void {
    if (!inst.ready || inst.job !== null || inst.failure !== null) return
    const w = waiting.shift()
    if (w !== undefined) send(inst, w)
  }

  const started: Array<Promise<void>> = []
  for (let i = 0; i < opts.count; i++) {
    const inst: Instance = { index: i, worker: null, job: null, failure: null, deaths: 0, restartTimer: null, ready: false }
    instances.push(inst)
    started.push(spawn(inst))
  }

  return {
    size: opts.count,
    /** Resolves when every thread has opened its session; rejects with the first thread's failure. */
    ready: () => Promise.all(started).then(() => {}),
    get restarts () { return restarts },
    /** Threads started and not yet exited. */
    get live () { return instances.filter((i) => i.worker !== null).length },
    /** The batch executor; `owned` says the input may be moved to the thread rather than copied. */
    execute (input: Float32Array, rows: number, owned = false): Promise<Outputs> {
      return new Promise<Outputs>((resolve, reject) => {
        const w = { input, rows, owned, resolve, reject }
        const free = instances.find((i) => i.ready && i.job === null && i.failure === null)
        if (free !== undefined) return send(free, w)
        // Every instance dead (a crash loop): answer now instead of queueing behind threads that may not come back.
        if (instances.every((i) => i.worker === null)) return reject(new ModelInstanceFailedError(opts.name, opts.version, 0, 'no instance thread is running'))
        waiting.push(w)
      })
    },
    /** Fault injection for tests: the next batch sent to instance `index` makes its thread exit, throw or hang. */
    injectFault (index: number, how: 'exit' | 'throw' | 'hang'): void {
      instances[index].worker?.postMessage({ type: 'fault', how } satisfies ToWorker)
    },
    /** Asks every thread to release its session and exit, and waits for them (terminating any that take over 5 s). */
    async close (): Promise<void> {
      closing = true
      for (const w of waiting.splice(0)) w.reject(new ModelInstanceFailedError(opts.name, opts.version, 0, 'the model is being unloaded'))
      for (const inst of instances) {
        if (inst.restartTimer !== null) clearTimeout(inst.restartTimer)
        fail(inst, 'the model is being unloaded')
        inst.worker?.postMessage({ type: 'close' } satisfies ToWorker)
      }
      const joined = Promise.all(exits)
      const timer = setTimeout(() => { for (const inst of instances) void inst.worker?.terminate() }, 5000)
      await joined
      clearTimeout(timer)
      for (const inst of instances) inst.worker = null
    }
  }
}

export type WorkerPool = ReturnType<typeof createWorkerPool>
