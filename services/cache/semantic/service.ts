// The semantic cache assembled: its store, its metrics, the Redis sharing of entries between
// replicas, the periodic sweep of expired entries and its health. The plugin only reads settings,
// calls this, decorates and closes.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { SIMILARITY_BUCKETS, type createCacheStats } from '../stats.js'
import type { Embedder } from './onnx-encoder.js'
import { createSemanticRedis } from './redis-store.js'
import { createSemanticCache } from './semantic-cache.js'
import { createSemanticStore } from './store.js'

interface Events { hit: (savedMs: number) => void, miss: () => void, error: (operation: string, err: Error) => void }

export interface SemanticCacheServiceOptions {
  settings: { enabled: boolean, threshold: number, maxEntries: number, ttlMs: number, minWords: number, keyPrefix: string }
  embedder: Embedder
  /** Where the embeddings come from, for health: a local encoder is up; a remote one is probed. */
  probeEmbedder?: { name: string, probe: () => Promise<unknown> }
  redis?: Redis
  registry: Registry
  /** The cache counters and the /cache/stats view the exact cache reports into too. */
  events: Events
  stats: ReturnType<typeof createCacheStats>
  warn: (fields: object, message: string) => void
}

export function createSemanticCacheService (o: SemanticCacheServiceOptions) {
  const { settings, embedder, redis, registry, events, stats } = o
  const store = createSemanticStore({ threshold: settings.threshold, maxEntries: settings.maxEntries, ttlMs: settings.ttlMs, minWords: settings.minWords })
  const similarity = new Histogram({ name: 'semantic_cache_similarity', help: 'Best candidate similarity per semantic lookup', buckets: [...SIMILARITY_BUCKETS], registers: [registry] })
  const rejections = new Counter({ name: 'semantic_cache_guard_rejections_total', help: 'Candidates above the threshold vetoed by the lexical guard', labelNames: ['reason'], registers: [registry] })
  const skipped = new Counter({ name: 'semantic_cache_skipped_total', help: 'Lookups skipped because the embedding failed or passed its deadline, by error code', labelNames: ['reason'], registers: [registry] })
  // eslint-disable-next-line no-new -- prom-client registers a metric when it is constructed
  new Gauge({ name: 'semantic_cache_entries', help: 'Entries held by this replica', registers: [registry], collect () { this.set(store.size) } })

  const syncError = (operation: string, err: Error) => {
    events.error(operation, err)
    o.warn({ err: err.message, operation }, 'semantic cache: redis sharing failed; this replica keeps its entries')
  }
  const shared = redis === undefined
    ? null
    : createSemanticRedis({
      redis,
      subscriber: redis.duplicate(),
      prefix: `${settings.keyPrefix}sem:`,
      instanceId: randomUUID(),
      ttlMs: settings.ttlMs,
      maxEntries: settings.maxEntries,
      has: (id) => store.has(id),
      local: () => store.all(),
      onEntry: (e) => { store.put(e) },
      onRemove: (ids) => { for (const id of ids) store.remove(id) },
      onFlush: () => store.clear(),
      onError: syncError
    })
  shared?.start()

  const cache = createSemanticCache({
    enabled: settings.enabled,
    embedder,
    store,
    shared,
    minWords: settings.minWords,
    onError: syncError,
    // The route logs the skip with its request; the counter keeps the tally by cause.
    onSkip (reason) { skipped.inc({ reason }) },
    record ({ hit, savedMs, best, rejected }) {
      if (best !== null) { similarity.observe(best); stats.similarity(best) }
      for (const r of rejected) { rejections.inc({ reason: r }); stats.guardRejected(r) }
      if (hit) events.hit(savedMs ?? 0)
      else events.miss()
    }
  })
  const sweeper = setInterval(() => store.sweep(), Math.min(settings.ttlMs, 60_000)).unref()

  return {
    cache,
    async health (): Promise<{ status: 'up' | 'degraded' | 'disabled', critical: boolean, [detail: string]: unknown }> {
      const base = { critical: false, embedder: embedder.source, entries: store.size, shared: shared !== null }
      if (!settings.enabled) return { status: 'disabled', ...base }
      if (o.probeEmbedder === undefined) return { status: 'up', ...base }
      // The embeddings come from a server: without it every lookup bypasses the cache.
      try {
        await o.probeEmbedder.probe()
        return { status: 'up', ...base }
      } catch (err) {
        return { status: 'degraded', ...base, error: `embeddings come from ${o.probeEmbedder.name}, which is unavailable: ${(err as Error).message}` }
      }
    },
    close () {
      clearInterval(sweeper)
      shared?.close()
    }
  }
}
