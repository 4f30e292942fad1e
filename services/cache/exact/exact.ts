// The exact cache: look a key up, else compute, store and return; never let the store fail a request.
import type { CacheStore } from './stores.js'

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS'
export const BYPASS_REASONS = ['no-cache', 'unavailable', 'error', 'disabled'] as const
export type BypassReason = typeof BYPASS_REASONS[number]

export interface ExactCacheEvents {
  hit: (savedMs: number) => void
  miss: () => void
  bypass: (reason: BypassReason) => void
  error: (operation: 'get' | 'set', err: Error) => void
}

export interface WrapOptions<T> {
  /** Skip the lookup (the client sent Cache-Control: no-cache); the fresh answer is still stored. */
  bypass?: boolean
  /** Only answers this approves are stored (e.g. complete, successful generations). */
  cacheable?: (value: T) => boolean
  ttlMs?: number
}

export interface Wrapped<T> { value: T, status: CacheStatus }

const NO_CACHE = /(^|,)\s*no-cache\s*(,|$)/i

/** True when the client asked not to be served from a cache (Cache-Control: no-cache). */
export function wantsFresh (headers: Record<string, string | string[] | undefined>): boolean {
  const cc = headers['cache-control']
  return typeof cc === 'string' && NO_CACHE.test(cc)
}

/** What is stored: the answer and how long it took to compute, so a hit knows the time it saved. */
interface Entry<T> { v: T, ms: number }

/** A key, or a function building it: then it is built only when the cache is used (not when disabled). */
export type KeySource = string | (() => string)

export function createExactCache (deps: { store: CacheStore, ttlMs: number, enabled: boolean, events: ExactCacheEvents, now?: () => number }) {
  const { store, events } = deps
  const now = deps.now ?? (() => performance.now())

  async function put<T> (key: string, entry: Entry<T>, opts: WrapOptions<T>): Promise<void> {
    if (opts.cacheable !== undefined && !opts.cacheable(entry.v)) return
    if (!store.available()) return
    // A key names the answer (model version, inputs, deterministic options): a fresh answer for a key
    // still held (a Cache-Control: no-cache request) is the same answer, so it is not written again.
    if (store.holds?.(key) === true) return
    try {
      await store.set(key, JSON.stringify(entry), opts.ttlMs ?? deps.ttlMs)
    } catch (err) {
      events.error('set', err as Error)
    }
  }

  /**
   * Computes, stores (when approved) and returns the answer. The answer does not wait for the store:
   * the write is issued before returning (so a later lookup on the same store or Redis connection
   * sees it) and its failure is only counted.
   */
  async function compute<T> (key: string, fn: () => Promise<T>, opts: WrapOptions<T>, status: CacheStatus): Promise<Wrapped<T>> {
    const start = now()
    const v = await fn()
    void put(key, { v, ms: now() - start }, opts)
    return { value: v, status }
  }

  /** `bypass` overrides opts.bypass, so a caller need not copy its options to set it. */
  async function lookup<T> (keySource: KeySource, fn: () => Promise<T>, opts: WrapOptions<T>, bypass: boolean): Promise<Wrapped<T>> {
    if (!deps.enabled) {
      events.bypass('disabled')
      return { value: await fn(), status: 'BYPASS' }
    }
    const key = typeof keySource === 'string' ? keySource : keySource()
    if (bypass || !store.available()) {
      events.bypass(bypass ? 'no-cache' : 'unavailable')
      return await compute(key, fn, opts, 'BYPASS')
    }
    const start = now()
    let raw: string | undefined
    try {
      raw = await store.get(key)
    } catch (err) {
      events.error('get', err as Error)
      events.bypass('error')
      return { value: await fn(), status: 'BYPASS' }
    }
    if (raw !== undefined) {
      const entry = JSON.parse(raw) as Entry<T>
      events.hit(entry.ms - (now() - start))
      return { value: entry.v, status: 'HIT' }
    }
    events.miss()
    return await compute(key, fn, opts, 'MISS')
  }

  function wrap<T> (key: KeySource, fn: () => Promise<T>, opts: WrapOptions<T> = {}): Promise<Wrapped<T>> {
    return lookup(key, fn, opts, opts.bypass === true)
  }

  return { wrap, lookup, store }
}

export type ExactCache = ReturnType<typeof createExactCache>
