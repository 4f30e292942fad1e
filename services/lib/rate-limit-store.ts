// A @fastify/rate-limit store in which every request of a caller draws on ONE budget per window,
// and a route costs its weight: the built-in stores count each request as 1 and give a route with
// its own settings a separate counter, so "a drift report costs 10 classifications" needs this one.
// Backed by Redis (one atomic INCRBY + PEXPIRE script, so replicas share the budget) or by a bounded
// in-process map. The store contract: incr(key, cb(err, { current, ttl }), timeWindowMs, max) and
// child(routeParams) for a route with its own `config.rateLimit` (here: `{ cost }`).
// https://github.com/fastify/fastify-rate-limit#custom-store

export interface CounterBackend {
  /** Adds `cost` to the key's count, starting a window of `windowMs` if none runs; returns the count and the window's time left. */
  add: (key: string, cost: number, windowMs: number) => Promise<{ current: number, ttl: number }>
}

/** The part of an ioredis client the Redis backend uses. */
export interface ScriptClient {
  defineCommand: (name: string, def: { numberOfKeys: number, lua: string }) => void
}

const LUA = `
local current = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {current, ttl}
`

export function redisCounter (client: ScriptClient, prefix: string): CounterBackend {
  client.defineCommand('gwRateLimitAdd', { numberOfKeys: 1, lua: LUA })
  const run = client as unknown as { gwRateLimitAdd: (key: string, windowMs: number, cost: number) => Promise<[number, number]> }
  return {
    async add (key, cost, windowMs) {
      const [current, ttl] = await run.gwRateLimitAdd(prefix + key, windowMs, cost)
      return { current, ttl }
    }
  }
}

/** In-process counters; at most `maxKeys` callers tracked (the oldest windows are dropped first). */
export function memoryCounter (maxKeys = 100_000, now: () => number = Date.now): CounterBackend {
  const windows = new Map<string, { count: number, resetAt: number }>()
  return {
    async add (key, cost, windowMs) {
      const t = now()
      let w = windows.get(key)
      if (w === undefined || w.resetAt <= t) {
        if (w !== undefined) windows.delete(key)
        else if (windows.size >= maxKeys) windows.delete(windows.keys().next().value as string)
        w = { count: 0, resetAt: t + windowMs }
        windows.set(key, w) // re-inserted: insertion order is window-start order
      }
      w.count += cost
      return { current: w.count, ttl: w.resetAt - t }
    }
  }
}

type Callback = (err: Error | null, res?: { current: number, ttl: number }) => void

/** A store class for @fastify/rate-limit's `store` option, drawing on `backend`. */
export function weightedStore (backend: CounterBackend) {
  return class WeightedStore {
    readonly cost: number
    constructor (params?: object) {
      const cost = (params as { cost?: unknown } | undefined)?.cost
      this.cost = typeof cost === 'number' && cost > 0 ? cost : 1
    }

    incr (key: string, cb: Callback, timeWindow: number, _max: number): void {
      backend.add(key, this.cost, timeWindow).then((r) => cb(null, r), (err: Error) => cb(err))
    }

    /** A route with `config.rateLimit: { cost }`: same budget (same keys), its own weight. */
    child (routeParams: object): WeightedStore {
      return new WeightedStore(routeParams)
    }
  }
}
