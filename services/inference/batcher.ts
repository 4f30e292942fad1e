// Adaptive batching, in the spirit of Triton's dynamic batcher: while a run is in flight, arriving
// requests queue; when it returns, everything queued (up to maxBatchSize rows) runs as one batch and
// each caller gets exactly its own rows back. Optional maxQueueDelayMicros waits for a batch to fill.
import { QueueFullError } from '../lib/errors.js'

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | string[]

export interface OutputTensor {
  data: TensorData
  dims: readonly number[]
}

export type Outputs = Record<string, OutputTensor>

/**
 * Runs one batch: `input` holds `rows` rows of `rowWidth` values, row-major. `owned` is true when the
 * batcher built `input` itself (so the executor may move it to another thread), false for a caller's array.
 */
export type BatchExecutor = (input: Float32Array, rows: number, owned: boolean) => Promise<Outputs>

export interface BatcherOptions {
  name: string
  rowWidth: number
  enabled: boolean
  maxBatchSize: number
  maxQueueSize: number
  maxQueueDelayMicros: number
  /** Concurrent runs allowed (the model's instances); 1 gives the largest batches. */
  maxInflight?: number
  now?: () => number
}

export interface BatcherStats {
  requests: number
  rows: number
  executions: number
  failures: number
  queueNs: number
  computeNs: number
}

interface Pending {
  input: Float32Array
  rows: number
  enqueuedAt: number
  resolve: (out: Outputs) => void
  reject: (err: Error) => void
}

export function createBatcher (execute: BatchExecutor, opts: BatcherOptions) {
  const now = opts.now ?? (() => performance.now())
  const maxInflight = opts.maxInflight ?? 1
  const queue: Pending[] = []
  const stats: BatcherStats = { requests: 0, rows: 0, executions: 0, failures: 0, queueNs: 0, computeNs: 0 }
  let queuedRows = 0
  let inflight = 0
  let timer: NodeJS.Timeout | null = null
  let onBatch: ((rows: number) => void) | null = null

  async function runTimed (input: Float32Array, rows: number, owned: boolean): Promise<Outputs> {
    const start = now()
    inflight++
    stats.executions++
    onBatch?.(rows)
    try {
      return await execute(input, rows, owned)
    } catch (err) {
      stats.failures++
      throw err
    } finally {
      inflight--
      stats.computeNs += Math.round((now() - start) * 1e6)
    }
  }

  function takeBatch (): Pending[] {
    const batch: Pending[] = [queue.shift()!]
    let rows = batch[0].rows
    while (queue.length > 0 && rows + queue[0].rows <= opts.maxBatchSize) {
      const next = queue.shift()!
      rows += next.rows
      batch.push(next)
    }
    queuedRows -= rows
    return batch
  }

  function dispatch (): void {
    const batch = takeBatch()
    const rows = batch.reduce((n, p) => n + p.rows, 0)
    const started = now()
    for (const p of batch) stats.queueNs += Math.round((started - p.enqueuedAt) * 1e6)
    const input = batch.length === 1 ? batch[0].input : concat(batch, rows, opts.rowWidth)
    runTimed(input, rows, batch.length > 1).then((out) => {
      if (batch.length === 1) return batch[0].resolve(out)
      let offset = 0
      for (const p of batch) {
        p.resolve(sliceRows(out, rows, offset, p.rows))
        offset += p.rows
      }
    }, (err: Error) => {
      for (const p of batch) p.reject(err)
    }).finally(schedule)
  }

  function schedule (): void {
    // eslint-disable-next-line no-unmodified-loop-condition -- run() below raises inflight on each pass
    while (queue.length > 0 && inflight < maxInflight) {
      if (opts.maxQueueDelayMicros > 0 && queuedRows < opts.maxBatchSize) {
        const waitedMs = now() - queue[0].enqueuedAt
        const remainingMs = opts.maxQueueDelayMicros / 1000 - waitedMs
        if (remainingMs > 0) {
          timer ??= setTimeout(() => { timer = null; schedule() }, Math.ceil(remainingMs))
          return
        }
      }
      if (timer !== null) { clearTimeout(timer); timer = null }
      dispatch()
    }
  }

  return {
    name: opts.name,
    stats,
    get queueDepth () { return queue.length },
    get inflight () { return inflight },
    /** Called with the row count of every run (for the batch size histogram). */
    onBatch (fn: (rows: number) => void) { onBatch = fn },
    run (input: Float32Array, rows: number): Promise<Outputs> {
      stats.requests++
      stats.rows += rows
      if (!opts.enabled) return runTimed(input, rows, false)
      if (queue.length >= opts.maxQueueSize) {
        stats.requests--
        stats.rows -= rows
        return Promise.reject(new QueueFullError(opts.name, queue.length))
      }
      return new Promise<Outputs>((resolve, reject) => {
        queue.push({ input, rows, enqueuedAt: now(), resolve, reject })
        queuedRows += rows
        schedule()
      })
    },
    /** Resolves when nothing is queued or running (used before releasing a session). */
    async drain (): Promise<void> {
      // eslint-disable-next-line no-unmodified-loop-condition -- runs finishing meanwhile lower inflight
      while (queue.length > 0 || inflight > 0) await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

export type Batcher = ReturnType<typeof createBatcher>

function concat (batch: Pending[], rows: number, width: number): Float32Array {
  const out = new Float32Array(rows * width)
  let offset = 0
  for (const p of batch) {
    out.set(p.input.subarray(0, p.rows * width), offset)
    offset += p.rows * width
  }
  return out
}

/** The rows [offset, offset + count) of every output whose first dimension is the batch. */
export function sliceRows (out: Outputs, totalRows: number, offset: number, count: number): Outputs {
  const result: Outputs = {}
  for (const [name, tensor] of Object.entries(out)) {
    const perRow = tensor.data.length / totalRows
    const start = offset * perRow
    const end = start + count * perRow
    const data = Array.isArray(tensor.data) ? tensor.data.slice(start, end) : (tensor.data as Float32Array).subarray(start, end)
    result[name] = { data, dims: [count, ...tensor.dims.slice(1)] }
  }
  return result
}
