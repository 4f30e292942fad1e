// The exact response cache: in-process LRU, or Redis (shared by every replica) when REDIS_URL is set.
// Also owns the cache counters and statistics the semantic cache reports into.
// https://github.com/isaacs/node-lru-cache
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import { FastCounter } from '../services/lib/fast-metrics.js'
import { BYPASS_REASONS, createExactCache, wantsFresh, type BypassReason, type ExactCacheEvents, type KeySource, type WrapOptions } from '../services/cache/exact/exact.js'
import { cacheKey, isDeterministic, plainKey } from '../services/cache/exact/keys.js'
import { createCacheStats, type CacheKind } from '../services/cache/stats.js'
import { createMemoryStore, createRedisStore } from '../services/cache/exact/stores.js'

declare module 'fastify' {
  interface FastifyInstance {
    cache: ReturnType<typeof createCache>
  }
}

export function createCacheMetrics (registry: Registry) {
  const labelNames = ['cache', 'store'] as const
  return {
    hits: new FastCounter({ name: 'cache_hits_total', help: 'Cache hits by cache (exact, semantic) and store (memory, redis)', labelNames, registers: [registry] }),
    misses: new FastCounter({ name: 'cache_misses_total', help: 'Cache misses by cache and store', labelNames, registers: [registry] }),
    bypasses: new FastCounter({ name: 'cache_bypasses_total', help: 'Requests served without the cache, by reason (no-cache, unavailable, error, disabled)', labelNames: [...labelNames, 'reason'], registers: [registry] }),
    errors: new FastCounter({ name: 'cache_errors_total', help: 'Failed cache store operations by operation', labelNames: [...labelNames, 'operation'], registers: [registry] }),
    saved: new FastCounter({ name: 'cache_latency_saved_seconds_total', help: 'Compute time avoided by cache hits', labelNames, registers: [registry] })
  }
}

/** Builds the recorder both caches report into: Prometheus counters plus the /cache/stats view. */
export function createCacheRecorder (metrics: ReturnType<typeof createCacheMetrics>, stats = createCacheStats()) {
  return {
    stats,
    events (cache: CacheKind, store: 'memory' | 'redis', onError: (err: Error) => void = () => {}) {
      // Children for the per-request outcomes, made once (a series appears on its first count only).
      const hits = metrics.hits.labels(cache, store)
      const saved = metrics.saved.labels(cache, store)
      const misses = metrics.misses.labels(cache, store)
      const bypassed = Object.fromEntries(BYPASS_REASONS.map((r) => [r, metrics.bypasses.labels(cache, store, r)])) as Record<BypassReason, ReturnType<typeof metrics.bypasses.labels>>
      return {
        hit (savedMs: number) { hits.inc(); saved.inc(Math.max(0, savedMs) / 1000); stats.hit(cache, savedMs) },
        miss () { misses.inc(); stats.miss(cache) },
        bypass (reason: BypassReason) { bypassed[reason].inc(); stats.bypass(cache) },
        error (operation: string, err: Error) { metrics.errors.labels(cache, store, operation).inc(); stats.error(cache); onError(err) }
      } satisfies ExactCacheEvents
    }
  }
}

export function createCache (deps: { exact: ReturnType<typeof createExactCache>, recorder: ReturnType<typeof createCacheRecorder> }) {
  const { exact, recorder } = deps
  return {
    key: cacheKey,
    /** A cheaper key for a few short ordered values; see services/cache/exact/keys.ts. */
    plainKey,
    /** For generate/chat: cache only when temperature is 0 or a seed is fixed. */
    isDeterministic,
    /** True when the client sent Cache-Control: no-cache. */
    wantsFresh: (request: FastifyRequest) => wantsFresh(request.headers),
    /** For any caller (e.g. deterministic generate/chat): returns the value and HIT, MISS or BYPASS. */
    wrap: exact.wrap,
    /** For a route: honours Cache-Control: no-cache and sets the x-cache header. */
    async reply<T> (request: FastifyRequest, reply: FastifyReply, key: KeySource, fn: () => Promise<T>, opts: WrapOptions<T> = {}): Promise<T> {
      const { value, status } = await exact.lookup(key, fn, opts, opts.bypass === true || wantsFresh(request.headers))
      reply.header('x-cache', status)
      return value
    },
    store: exact.store.kind,
    entries: () => exact.store.size(),
    flush: () => exact.store.flush(),
    stats: recorder.stats,
    recorder
  }
}

export default fp(async function cachePlugin (fastify) {
  const { config, metrics, log, redis } = fastify
  const store = redis === undefined
    ? createMemoryStore({ max: config.CACHE_MAX_ENTRIES, ttlMs: config.CACHE_TTL_SECONDS * 1000 })
    : createRedisStore(redis, `${config.REDIS_KEY_PREFIX}cache:`)
  const recorder = createCacheRecorder(createCacheMetrics(metrics.registry))
  const events = recorder.events('exact', store.kind, (err) => log.warn({ err: err.message }, 'exact cache store failed; request served without it'))
  const exact = createExactCache({ store, ttlMs: config.CACHE_TTL_SECONDS * 1000, enabled: config.CACHE_ENABLED, events })
  fastify.decorate('cache', createCache({ exact, recorder }))
}, { name: 'cache', dependencies: ['config', 'metrics', 'redis'] })
