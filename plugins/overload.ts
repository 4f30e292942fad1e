// Overload protection: load shedding with @fastify/under-pressure (event-loop delay, heap: 503 with
// Retry-After) and per-caller rate limits with @fastify/rate-limit (429 with Retry-After), both
// rendered in each route's error shape. A caller is its API key (X-API-Key or a bearer token,
// hashed) or else its IP; every request draws on one budget per window, heavy routes costing more.
// With REDIS_URL the counters live in Redis, so replicas share them; without it, in process.
// https://github.com/fastify/under-pressure  https://github.com/fastify/fastify-rate-limit
import { createHash } from 'node:crypto'
import { getHeapStatistics } from 'node:v8'
import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import rateLimit, { type RateLimitOptions } from '@fastify/rate-limit'
import type { FastifyRequest, RouteOptions } from 'fastify'
import { OverloadedError, RateLimitedError } from '../services/lib/errors.js'
import { memoryCounter, redisCounter, weightedStore } from '../services/lib/rate-limit-store.js'
import { exemptFromOverload } from '../services/lib/openapi-statuses.js'

/** Routes whose requests cost RATE_LIMIT_HEAVY_COST: expensive reports, fan-out benchmarks, training, LLM generation. */
export function isHeavy (route: Pick<RouteOptions, 'url' | 'method' | 'schema'>): boolean {
  if (/^\/api\/v1\/(drift-report|classify-benchmark|retrain)$/.test(route.url)) return true
  const tags = (route.schema as { tags?: string[] } | undefined)?.tags ?? []
  return route.method === 'POST' && tags.includes('llm')
}

/** Probes and scrapes are never limited. */
const exempt = exemptFromOverload

export function callerKey (request: FastifyRequest): string {
  const header = request.headers['x-api-key']
  const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
  const key = (Array.isArray(header) ? header[0] : header) ?? bearer
  // The key itself never reaches Redis or the log: a hash names the caller.
  return key !== undefined && key !== '' ? `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}` : `ip:${request.ip}`
}

export default fp(async function overloadPlugin (fastify) {
  const { config } = fastify

  const heavyCost = config.RATE_LIMIT_HEAVY_COST
  const limiting = config.RATE_LIMIT_MAX > 0
  // Before the rate-limit plugin's own onRoute hook: it reads config.rateLimit to pick the store
  // (`cost` is this gateway's field, read by the weighted store's child()). Probes and scrapes are
  // neither shed nor limited: they answer in their own schema, and an orchestrator must reach them.
  fastify.addHook('onRoute', (route) => {
    if (exempt(route.url)) route.config = { ...route.config, ...{ pressureHandler: () => undefined }, ...(limiting ? { rateLimit: false } : {}) }
    else if (limiting && isHeavy(route) && route.config?.rateLimit === undefined) route.config = { ...route.config, rateLimit: { cost: heavyCost } as RateLimitOptions }
  })

  const heapLimit = getHeapStatistics().heap_size_limit
  const retryAfter = config.OVERLOAD_RETRY_AFTER_SECONDS
  const what: Record<string, (v: number) => string> = {
    eventLoopDelay: (v) => `event-loop delay ${Math.round(v)} ms, limit ${config.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS} ms`,
    heapUsedBytes: (v) => `heap in use ${Math.round(v / 1048576)} MiB, limit ${Math.round(config.OVERLOAD_MAX_HEAP_USED_RATIO * heapLimit / 1048576)} MiB`
  }
  // The first samples after start-up measure the boot (model loading), not load: they are ignored.
  let calmFrom = Infinity
  fastify.addHook('onReady', async () => { calmFrom = Date.now() + 2 * config.OVERLOAD_SAMPLE_INTERVAL_MS })
  await fastify.register(underPressure, {
    maxEventLoopDelay: config.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: Math.floor(config.OVERLOAD_MAX_HEAP_USED_RATIO * heapLimit),
    sampleInterval: config.OVERLOAD_SAMPLE_INTERVAL_MS,
    retryAfter,
    // Called only while a threshold is exceeded; a rejection goes to the error renderer (each route's shape).
    pressureHandler: (_request, _reply, type, value) => {
      if (Date.now() < calmFrom) return undefined
      const err = Object.assign(new OverloadedError(what[type]?.(Number(value)) ?? type), { retryAfterSeconds: retryAfter })
      return Promise.reject(err)
    }
  })

  if (!limiting) return
  const backend = fastify.redis !== undefined ? redisCounter(fastify.redis, `${config.REDIS_KEY_PREFIX}ratelimit:`) : memoryCounter()
  const windowSeconds = Math.ceil(config.RATE_LIMIT_WINDOW_MS / 1000)
  await fastify.register(rateLimit, {
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    store: weightedStore(backend),
    keyGenerator: callerKey,
    // A Redis outage must not turn into refused requests: the limit is skipped while it is down.
    skipOnError: true,
    errorResponseBuilder: (_request, ctx) => new RateLimitedError(ctx.max, windowSeconds, Math.max(1, Math.ceil(ctx.ttl / 1000)))
  })
}, { name: 'overload', dependencies: ['config', 'redis'] })
