// Per-instance cache statistics behind GET /api/v1/cache/stats (Prometheus has the same counts).
export type CacheKind = 'exact' | 'semantic'

/** Upper bounds of the similarity histogram (best candidate score per semantic lookup). */
export const SIMILARITY_BUCKETS = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 1] as const

function counts () {
  return { hits: 0, misses: 0, bypasses: 0, errors: 0, latencySavedMs: 0 }
}

export function createCacheStats () {
  const by = { exact: counts(), semantic: counts() }
  const similarity = new Array<number>(SIMILARITY_BUCKETS.length).fill(0)
  const guardRejections: Record<string, number> = {}

  const view = (c: ReturnType<typeof counts>) => ({
    hits: c.hits,
    misses: c.misses,
    bypasses: c.bypasses,
    errors: c.errors,
    hit_ratio: ratio(c.hits, c.hits + c.misses),
    latency_saved_ms: Math.round(c.latencySavedMs * 100) / 100
  })

  return {
    hit (kind: CacheKind, savedMs: number) { by[kind].hits++; by[kind].latencySavedMs += Math.max(0, savedMs) },
    miss (kind: CacheKind) { by[kind].misses++ },
    bypass (kind: CacheKind) { by[kind].bypasses++ },
    error (kind: CacheKind) { by[kind].errors++ },
    similarity (score: number) {
      const i = SIMILARITY_BUCKETS.findIndex((le) => score <= le)
      // float rounding can put a self-match a hair above 1
      similarity[i === -1 ? SIMILARITY_BUCKETS.length - 1 : i]++
    },
    guardRejected (reason: string) { guardRejections[reason] = (guardRejections[reason] ?? 0) + 1 },
    snapshot () {
      const total = { hits: by.exact.hits + by.semantic.hits, misses: by.exact.misses + by.semantic.misses }
      return {
        exact: view(by.exact),
        semantic: {
          ...view(by.semantic),
          guard_rejections: { ...guardRejections },
          similarity_histogram: SIMILARITY_BUCKETS.map((le, i) => ({ from: i === 0 ? -1 : SIMILARITY_BUCKETS[i - 1], to: le, count: similarity[i] }))
        },
        overall: {
          hits: total.hits,
          misses: total.misses,
          hit_ratio: ratio(total.hits, total.hits + total.misses),
          latency_saved_ms: Math.round((by.exact.latencySavedMs + by.semantic.latencySavedMs) * 100) / 100
        }
      }
    },
    reset () {
      Object.assign(by.exact, counts())
      Object.assign(by.semantic, counts())
      similarity.fill(0)
      for (const k of Object.keys(guardRejections)) delete guardRejections[k]
    }
  }
}

function ratio (a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 10000) / 10000
}

export type CacheStats = ReturnType<typeof createCacheStats>

/** What GET /api/v1/cache/stats (and the MCP cache_stats tool) answer: the counts with each cache's store and size. */
export function cacheStatsReport (
  exact: { stats: CacheStats, store: string, entries: () => number | null },
  semantic: { enabled: boolean, source: string, store: { size: number } },
  opts: { redis: boolean, threshold: number }
) {
  const s = exact.stats.snapshot()
  return {
    exact: { ...s.exact, store: exact.store, entries: exact.entries() },
    semantic: {
      ...s.semantic,
      enabled: semantic.enabled,
      store: opts.redis ? 'redis' : 'memory',
      embedder: semantic.source,
      threshold: opts.threshold,
      entries: semantic.store.size
    },
    overall: s.overall,
    scope: 'this replica'
  }
}
