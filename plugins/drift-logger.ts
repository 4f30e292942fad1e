// The prediction log behind drift reports: every served classification is appended, to local
// JSON-lines files by default or to a capped Redis stream per model when REDIS_URL is set (all
// replicas then log to one place). Requests only push into a bounded buffer (see
// services/drift/log/buffer.ts), so logging never slows or fails them.
// With REDIS_URL the log writes through a connection derived from the shared client (the redis
// plugin's settings: lazy connect, no offline queue, endless reconnects) but a socket of its own, so
// a drift report's large XRANGE replies never queue the caches' commands behind them, and with its
// own command deadline (PREDICTION_LOG_REDIS_TIMEOUT_MS). https://github.com/redis/ioredis
// While Redis is down, records go to a local spool (DATA_DIR/prediction-spool) and are replayed into
// the stream when it is back, without loss or duplicates (services/drift/log/durable-sink.ts).
import { join } from 'node:path'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import { Counter, Gauge } from 'prom-client'
import { createPredictionBuffer, type PredictionBuffer } from '../services/drift/log/buffer.js'
import { createFileSink } from '../services/drift/log/file-sink.js'
import { createRedisSink } from '../services/drift/log/redis-sink.js'
import { createDurableSink, type DurableSink } from '../services/drift/log/durable-sink.js'
import { createSpool } from '../services/drift/log/spool.js'
import { createDriftLogger } from '../services/drift/log/logger.js'

declare module 'fastify' {
  interface FastifyInstance {
    driftLogger: ReturnType<typeof createDriftLogger>
  }
}

export default fp(async function driftLoggerPlugin (fastify) {
  const { config, metrics, health, log } = fastify
  const shared = fastify.redis
  let redis: Redis | null = null
  let buffer: PredictionBuffer | null = null
  let durable: DurableSink | null = null
  if (config.PREDICTION_LOG_ENABLED) {
    let lastWarn = 0
    const warn = (msg: string, extra: object) => {
      // One line per 10 s at most: a Redis outage must not flood the log.
      if (Date.now() - lastWarn > 10_000) { lastWarn = Date.now(); log.warn(extra, msg) }
    }
    if (shared !== undefined) {
      // No automatic resend after a reconnect: a write whose reply was lost is spooled and replayed by
      // id (deduplicated); ioredis resending it too would append it a second time.
      redis = shared.duplicate({ commandTimeout: config.PREDICTION_LOG_REDIS_TIMEOUT_MS, connectTimeout: config.PREDICTION_LOG_REDIS_TIMEOUT_MS, autoResendUnfulfilledCommands: false })
      redis.on('error', (err: Error) => warn('prediction log: Redis error', { err: err.message }))
      redis.connect().catch((err: Error) => warn('prediction log: cannot connect to Redis', { err: err.message }))
    }
    if (redis !== null) {
      // Records Redis does not take are spooled to local files and replayed when it is back.
      const client = redis
      const spool = createSpool(join(config.DATA_DIR, 'prediction-spool'))
      const waiting = await spool.init()
      if (waiting > 0) log.info({ records: waiting, dir: spool.dir }, 'prediction log: spooled records from an earlier run will be replayed into Redis')
      durable = createDurableSink({
        redis: createRedisSink(client, { prefix: config.PREDICTION_LOG_STREAM_PREFIX, maxLen: config.PREDICTION_LOG_STREAM_MAXLEN, memoryRows: config.PREDICTION_LOG_MEMORY_ROWS }),
        spool,
        client,
        prefix: config.PREDICTION_LOG_STREAM_PREFIX,
        isReady: () => client.status === 'ready',
        log
      })
      client.on('ready', () => { void durable?.replay() })
    }
    const sink = durable ?? createFileSink(join(config.DATA_DIR, 'predictions'), { memoryRows: config.PREDICTION_LOG_MEMORY_ROWS })
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
    if (durable !== null) {
      const spool = { spooled: durable.pending, spool: durable.stats }
      if (redis !== null && redis.status !== 'ready') return { ...base, ...spool, status: 'down', error: `Redis is ${redis.status}; records are spooled to local files until it is back` }
      // Back to up once everything spooled during an outage is in the stream.
      return { ...base, ...spool, status: durable.pending > 0 ? 'degraded' : 'up', ...(durable.pending > 0 ? { error: 'replaying spooled records into Redis' } : {}) }
    }
    return { ...base, status: buffer.stats.lastError !== null && buffer.stats.failed > 0 ? 'degraded' : 'up' }
  })

  fastify.decorate('driftLogger', logger)
  // After a restart the first drift report would read and parse the log from disk (~0.5 s per 100k
  // rows): do that in the background once the gateway is ready (in slices, never blocking requests).
  fastify.addHook('onReady', async () => {
    const sink = buffer?.sink
    if (sink?.warm !== undefined) void sink.warm().catch((err: Error) => log.warn({ err: err.message }, 'prediction log: warming the in-memory tail failed'))
  })
  fastify.addHook('onClose', async () => {
    await buffer?.close()
    // quit() needs a live connection; disconnect() also stops the reconnect loop.
    if (redis?.status === 'ready') await redis.quit().catch(() => redis?.disconnect())
    else redis?.disconnect()
  })
}, { name: 'drift-logger', dependencies: ['config', 'metrics', 'health', 'redis'] })
