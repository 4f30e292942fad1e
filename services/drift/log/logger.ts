// What routes and reports use of the prediction log: a hook that turns served classifications
// into records (never throwing, never waiting) and reads that flush first and map failures to
// the gateway's errors. The plugin builds it on a buffer and a sink.
import { isGatewayError, PredictionLogDisabledError, PredictionLogUnavailableError } from '../../lib/errors.js'
import type { PredictionBuffer } from './buffer.js'
import type { PredictionRecord } from './record.js'

export interface ServedPredictions {
  route: string
  model: { name: string, version: string }
  latencyMs: number
  instances: Array<Record<string, number>>
  predictions: Array<{ predicted_class: string, confidence: number }>
}

export function createDriftLogger (buffer: PredictionBuffer | null, now: () => number = Date.now) {
  // One ISO string per millisecond, not per record: at high rates many records share it.
  let lastMs = -1
  let lastIso = ''
  const timestamp = () => {
    const ms = now()
    if (ms !== lastMs) { lastMs = ms; lastIso = new Date(ms).toISOString() }
    return lastIso
  }
  const where = buffer === null ? 'off' : buffer.sink.kind === 'redis' ? 'Redis' : 'local files'
  async function read<T> (fn: () => Promise<T>): Promise<T> {
    if (buffer === null) throw new PredictionLogDisabledError()
    try {
      await buffer.flush()
      return await fn()
    } catch (err) {
      if (isGatewayError(err)) throw err
      throw new PredictionLogUnavailableError(where, (err as Error).message, { cause: err })
    }
  }
  return {
    enabled: buffer !== null,
    where,
    stats: buffer?.stats,
    /** The ISO time records logged now carry (one string per millisecond). */
    timestamp,
    /** Appends one record; never throws, never waits. */
    log (record: PredictionRecord): void { buffer?.log(record) },
    /** The hook for classification routes: one record per instance served. */
    logPredictions (served: ServedPredictions): void {
      if (buffer === null) return
      const ts = timestamp()
      const latency = Math.round(served.latencyMs * 1000) / 1000
      const { instances, predictions, model, route } = served
      for (let i = 0; i < instances.length; i++) {
        buffer.log({
          ts,
          model: model.name,
          version: model.version,
          features: instances[i],
          prediction: predictions[i].predicted_class,
          confidence: predictions[i].confidence,
          latency_ms: latency,
          route
        })
      }
    },
    flush: async () => { await buffer?.flush() },
    /** The newest `limit` records of a model (oldest first), after flushing what is buffered. */
    recent: (model: string, limit: number) => read(() => (buffer as PredictionBuffer).sink.recent(model, limit)),
    count: (model: string) => read(() => (buffer as PredictionBuffer).sink.count(model))
  }
}
