// The prediction log behind drift reports: every served classification is appended, to local
// JSON-lines files by default or to a capped Redis stream per model when REDIS_URL is set (all
// replicas then log to one place). Requests only push into a bounded buffer (see
// services/prediction-log/buffer.ts), so logging never slows or fails them.
// Redis client: https://github.com/redis/ioredis
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { Redis } from 'ioredis'
import { Counter, Gauge } from 'prom-client'
import { createPredictionBuffer, type PredictionBuffer } from '../services/prediction-log/buffer.js'
import { createFileSink } from '../services/prediction-log/file-sink.js'
import { createRedisSink } from '../services/prediction-log/redis-sink.js'
import type { PredictionRecord } from '../services/prediction-log/record.js'
import { PredictionLogDisabledError, PredictionLogUnavailableError } from '../services/errors.js'

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
      if ((err as { statusCode?: number }).statusCode !== undefined) throw err
      throw new PredictionLogUnavailableError(where, (err as Error).message, { cause: err })
    }
  }
  return {
    enabled: buffer !== null,
    where,
    stats: buffer?.stats,
    /** Appends one record; never throws, never waits. */
    log (record: PredictionRecord): void { buffer?.log(record) },
    /** The hook for classification routes: one record per instance served. */
    logPredictions (served: ServedPredictions): void {
      if (buffer === null) return
      const ts = timestamp()
      const latency = Math.round(served.latencyMs * 1000) / 1000
      served.instances.forEach((features, i) => buffer.log({
        ts,
        model: served.model.name,
        version: served.model.version,
        features,
        prediction: served.predictions[i].predicted_class,
        confidence: served.predictions[i].confidence,
        latency_ms: latency,
        route: served.route
      }))
    },
    flush: async () => { await buffer?.flush() },
    /** The newest `limit` records of a model (oldest first), after flushing what is buffered. */
    recent: (model: string, limit: number) => read(() => (buffer as PredictionBuffer).sink.recent(model, limit)),
    count: (model: string) => read(() => (buffer as PredictionBuffer).sink.count(model))
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    driftLogger: ReturnType<typeof createDriftLogger>
  }
}

export default fp(async function driftLoggerPlugin (fastify) {
  const { config, metrics, health, log } = fastify
  let redis: Redis | null = null
  let buffer: PredictionBuffer | null = null
  if (config.PREDICTION_LOG_ENABLED) {
    let lastWarn = 0
    const warn = (msg: string, extra: object) => {
      // One line per 10 s at most: a Redis outage must not flood the log.
      if (Date.now() - lastWarn > 10_000) { lastWarn = Date.now(); log.warn(extra, msg) }
    }
    if (config.REDIS_URL !== '') {
      redis = new Redis(config.REDIS_URL, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: config.PREDICTION_LOG_REDIS_TIMEOUT_MS,
        commandTimeout: config.PREDICTION_LOG_REDIS_TIMEOUT_MS,
        retryStrategy: (times) => Math.min(times * 200, 2000)
      })
      redis.on('error', (err: Error) => warn('prediction log: Redis error', { err: err.message }))
      redis.connect().catch((err: Error) => warn('prediction log: cannot connect to Redis', { err: err.message }))
    }
    const sink = redis === null
      ? createFileSink(join(config.DATA_DIR, 'predictions'), { memoryRows: config.PREDICTION_LOG_MEMORY_ROWS })
      : createRedisSink(redis, { prefix: config.PREDICTION_LOG_STREAM_PREFIX, maxLen: config.PREDICTION_LOG_STREAM_MAXLEN, memoryRows: config.PREDICTION_LOG_MEMORY_ROWS })
    buffer = createPredictionBuffer({
      sink,
      maxBuffered: config.PREDICTION_LOG_BUFFER_MAX,
      flushIntervalMs: config.PREDICTION_LOG_FLUSH_MS,
      onError: (err, lost) => warn('prediction log: write failed, records lost', { err: err.message, lost })
    })
  }
  const logger = createDriftLogger(buffer)

  // Counters mirror the buffer's own tallies at scrape time: nothing is added to the request path.
  const seen = { written: 0, dropped: 0, failed: 0 }
  const records = new Counter({
    name: 'prediction_log_records_total',
    help: 'Prediction log records by outcome: written to the sink, dropped (buffer full) or failed (sink error)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
    collect () {
      if (buffer === null) return
      for (const k of ['written', 'dropped', 'failed'] as const) { records.labels(k).inc(buffer.stats[k] - seen[k]); seen[k] = buffer.stats[k] }
    }
  })
  const buffered = new Gauge({ name: 'prediction_log_buffered', help: 'Records waiting to be written', registers: [metrics.registry], collect () { buffered.set(buffer?.buffered ?? 0) } })

  health.register('prediction_log', () => {
    if (buffer === null) return { status: 'disabled', critical: false }
    const base = { critical: false, sink: logger.where, ...buffer.stats, buffered: buffer.buffered }
    if (redis !== null && redis.status !== 'ready') return { ...base, status: 'down', error: `Redis is ${redis.status}` }
    return { ...base, status: buffer.stats.lastError !== null && buffer.stats.failed > 0 ? 'degraded' : 'up' }
  })

  fastify.decorate('driftLogger', logger)
  fastify.addHook('onClose', async () => {
    await buffer?.close()
    if (redis !== null) await redis.quit().catch(() => redis?.disconnect())
  })
}, { name: 'drift-logger', dependencies: ['config', 'metrics', 'health'] })
