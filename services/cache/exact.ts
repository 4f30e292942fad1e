// The exact cache: look a key up, else compute, store and return; never let the store fail a request.
import type { CacheStore } from './stores.js'

export type CacheStatus = 'HIT' | 'MISS' | 'BYPASS'
export type BypassReason = 'no-cache' | 'unavailable' | 'error' | 'disabled'

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

/** What is stored: the answer and how long it took to compute, so a hit knows the time it saved. */
interface Entry<T> { v: T, ms: number }

export function createExactCache (deps: { store: CacheStore, ttlMs: number, enabled: boolean, events: ExactCacheEvents, now?: () => number }) {
  const { store, events } = deps
  const now = deps.now ?? (() => performance.now())

  async function timed<T> (fn: () => Promise<T>): Promise<Entry<T>> {
    const start = now()
    const v = await fn()
    return { v, ms: now() - start }
  }

  async function put<T> (key: string, entry: Entry<T>, opts: WrapOptions<T>): Promise<void> {
    if (opts.cacheable !== undefined && !opts.cacheable(entry.v)) return
    if (!store.available()) return
    try {
      await store.set(key, JSON.stringify(entry), opts.ttlMs ?? deps.ttlMs)
    } catch (err) {
      events.error('set', err as Error)
    }
  }

  async function wrap<T> (key: string, fn: () => Promise<T>, opts: WrapOptions<T> = {}): Promise<Wrapped<T>> {
    if (!deps.enabled) {
      events.bypass('disabled')
      return { value: await fn(), status: 'BYPASS' }
    }
    if (opts.bypass === true || !store.available()) {
      events.bypass(opts.bypass === true ? 'no-cache' : 'unavailable')
      const entry = await timed(fn)
      await put(key, entry, opts)
      return { value: entry.v, status: 'BYPASS' }
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
    const entry = await timed(fn)
    await put(key, entry, opts)
    return { value: entry.v, status: 'MISS' }
  }

  return { wrap, store }
}

export type ExactCache = ReturnType<typeof createExactCache>
