// Semantic-cache entries in Redis, shared by every replica.
//
// Layout (prefix "gw:sem:"): one HASH per entry `e:<id>` (scope, prompt, response JSON, vector as
// raw float32 bytes, created_at, rt_ms) with a PEXPIRE of the TTL; a ZSET `ids` of id -> created_at
// that orders them for loading and trimming to max entries; a pub/sub channel `events`.
//
// Why pub/sub plus a resync, not polling: an insert reaches the other replicas in about a
// millisecond (a replica's next lookup can already hit), and costs nothing while idle. Pub/sub
// delivers at most once, so whenever the subscriber (re)connects the replica reloads every id it
// does not hold yet, and writes back the entries it holds that Redis lacks (stored while Redis was
// down, or lost in a Redis restart). A flush bumps `epoch`; a replica that finds the epoch changed
// when it reconnects missed a flush, so it empties itself instead of resurrecting flushed entries.
// The search itself stays in-process (no RediSearch needed): Redis is the shared store, each
// replica keeps the index.
import type { Redis } from 'ioredis'
import type { SemanticEntry } from './store.js'

type Message = { op: 'add', id: string, from: string } | { op: 'del', ids: string[], from: string } | { op: 'flush', epoch: string, from: string }

export interface SemanticRedisDeps {
  redis: Redis
  subscriber: Redis
  prefix: string
  instanceId: string
  ttlMs: number
  maxEntries: number
  has: (id: string) => boolean
  /** This replica's live entries with their vectors, to share those Redis lost or never got. */
  local: () => SemanticEntry[]
  onEntry: (entry: SemanticEntry) => void
  onRemove: (ids: string[]) => void
  onFlush: () => void
  onError: (operation: string, err: Error) => void
  now?: () => number
}

function decode (id: string, h: Record<string, Buffer>): SemanticEntry | null {
  if (h.vector === undefined || h.prompt === undefined) return null
  const bytes = h.vector
  // Copy: a Buffer may sit at an offset in a shared pool that is not 4-byte aligned.
  const vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  return {
    id,
    scope: h.scope.toString(),
    prompt: h.prompt.toString(),
    response: JSON.parse(h.response.toString()),
    vector,
    createdAt: Number(h.created_at.toString()),
    responseTimeMs: Number(h.rt_ms.toString())
  }
}

export function createSemanticRedis (deps: SemanticRedisDeps) {
  const { redis, subscriber, prefix } = deps
  const now = deps.now ?? Date.now
  const channel = `${prefix}events`
  const ids = `${prefix}ids`
  const epochKey = `${prefix}epoch`
  const entryKey = (id: string) => `${prefix}e:${id}`
  let resyncTimer: NodeJS.Timeout | undefined
  let knownEpoch: string | null = null

  const publish = (m: Message) => redis.publish(channel, JSON.stringify(m))

  async function fetchEntries (wanted: string[]): Promise<number> {
    let loaded = 0
    for (let i = 0; i < wanted.length; i += 500) {
      const chunk = wanted.slice(i, i + 500)
      const pipe = redis.pipeline()
      for (const id of chunk) pipe.hgetallBuffer(entryKey(id))
      const results = (await pipe.exec()) ?? []
      results.forEach(([err, h], j) => {
        let entry: SemanticEntry | null = null
        try {
          entry = err === null ? decode(chunk[j], h as Record<string, Buffer>) : null
        } catch (e) {
          // One unreadable entry (e.g. written by an incompatible version) must not stop the others.
          deps.onError('decode', e as Error)
        }
        if (entry !== null) { deps.onEntry(entry); loaded++ }
      })
    }
    return loaded
  }

  /** Loads the live entries this replica lacks and shares those Redis lacks; returns [loaded, shared]. */
  async function reconcile (): Promise<[number, number]> {
    const epoch = (await redis.get(epochKey)) ?? '0'
    if (knownEpoch !== null && epoch !== knownEpoch) deps.onFlush()
    knownEpoch = epoch
    await redis.zremrangebyscore(ids, '-inf', now() - deps.ttlMs)
    const all = await redis.zrangebyscore(ids, now() - deps.ttlMs, '+inf')
    const loaded = await fetchEntries(all.filter((id) => !deps.has(id)))
    const inRedis = new Set(all)
    let shared = 0
    for (const e of deps.local()) {
      if (!inRedis.has(e.id) && now() - e.createdAt < deps.ttlMs) { await save(e); shared++ }
    }
    return [loaded, shared]
  }

  async function save (e: SemanticEntry): Promise<void> {
    const key = entryKey(e.id)
    await redis.multi()
      .hset(key, {
        scope: e.scope,
        prompt: e.prompt,
        response: JSON.stringify(e.response),
        vector: Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength),
        created_at: String(e.createdAt),
        rt_ms: String(e.responseTimeMs)
      })
      .pexpire(key, Math.max(1, e.createdAt + deps.ttlMs - now()))
      .zadd(ids, e.createdAt, e.id)
      .exec()
    await publish({ op: 'add', id: e.id, from: deps.instanceId })
    const excess = (await redis.zcard(ids)) - deps.maxEntries
    if (excess > 0) {
      const popped = await redis.zpopmin(ids, excess)
      const gone = popped.filter((_, i) => i % 2 === 0)
      await redis.unlink(...gone.map(entryKey))
      deps.onRemove(gone)
      await publish({ op: 'del', ids: gone, from: deps.instanceId })
    }
  }

  function resync (): void {
    clearTimeout(resyncTimer)
    reconcile().catch((err: Error) => {
      deps.onError('load', err)
      // The data connection may come back a moment after the subscriber: try again shortly.
      if (subscriber.status === 'ready') resyncTimer = setTimeout(resync, 1000).unref()
    })
  }

  async function onMessage (raw: string): Promise<void> {
    const m = JSON.parse(raw) as Message
    if (m.from === deps.instanceId) return
    if (m.op === 'add') await fetchEntries([m.id])
    else if (m.op === 'del') deps.onRemove(m.ids)
    else { knownEpoch = m.epoch; deps.onFlush() }
  }

  return {
    /** Subscribes (again after every reconnect) and loads what Redis has. */
    start (): void {
      // Connection errors are reported by the data connection's /health entry; the client retries.
      subscriber.on('error', () => {})
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).then(resync, (err: Error) => deps.onError('subscribe', err))
      })
      subscriber.on('message', (ch: string, raw: string) => {
        if (ch === channel) onMessage(raw).catch((err: Error) => deps.onError('sync', err))
      })
      subscriber.connect().catch(() => { /* retried by the client's retryStrategy */ })
    },
    save,
    async flush (): Promise<number> {
      const all = await redis.zrange(ids, '0', '-1')
      if (all.length > 0) await redis.unlink(...all.map(entryKey))
      await redis.unlink(ids)
      knownEpoch = String(await redis.incr(epochKey))
      await publish({ op: 'flush', epoch: knownEpoch, from: deps.instanceId })
      return all.length
    },
    reconcile,
    close (): void {
      clearTimeout(resyncTimer)
      subscriber.disconnect()
    }
  }
}
