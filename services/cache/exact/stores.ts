// Where exact-cache entries live: an in-process LRU, or Redis shared by every replica.
// Plain module: the Redis client is handed in by the cache plugin.
import { LRUCache } from 'lru-cache'
import type { Redis } from 'ioredis'

export interface CacheStore {
  readonly kind: 'memory' | 'redis'
  /** False while the backing server is unreachable: callers bypass instead of waiting. */
  available: () => boolean
  get: (key: string) => Promise<string | undefined>
  set: (key: string, value: string, ttlMs: number) => Promise<void>
  /** Removes every entry; returns how many. */
  flush: () => Promise<number>
  /** Entries held, when knowable cheaply (Redis: null, counting would need a scan). */
  size: () => number | null
  /** Whether a live entry is held, when knowable without a round trip (memory only). */
  holds?: (key: string) => boolean
}

export function createMemoryStore (opts: { max: number, ttlMs: number }): CacheStore {
  const lru = new LRUCache<string, string>({ max: opts.max, ttl: opts.ttlMs, ttlAutopurge: false })
  return {
    kind: 'memory',
    available: () => true,
    async get (key) { return lru.get(key) },
    async set (key, value, ttlMs) { lru.set(key, value, { ttl: ttlMs }) },
    async flush () { const n = lru.size; lru.clear(); return n },
    size: () => lru.size,
    holds: (key) => lru.has(key)
  }
}

export function createRedisStore (redis: Redis, prefix: string): CacheStore {
  return {
    kind: 'redis',
    available: () => redis.status === 'ready',
    async get (key) { return (await redis.get(prefix + key)) ?? undefined },
    async set (key, value, ttlMs) { await redis.set(prefix + key, value, 'PX', ttlMs) },
    async flush () {
      // SCAN + UNLINK, never KEYS/FLUSHDB: the Redis may be shared with other data and other replicas.
      let cursor = '0'
      let removed = 0
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        cursor = next
        if (keys.length > 0) removed += await redis.unlink(...keys)
      } while (cursor !== '0')
      return removed
    },
    size: () => null
  }
}
