// The Redis prediction log made durable: records Redis does not take (it is down, a command failed)
// go to a local spool (spool.ts) instead of being lost, and are replayed into the stream, in order,
// once Redis is back. Every record gets an id (`<process>-<n>`) before its first write; a replay first
// reads the stream's entries written since this process's last acknowledged one (or the newest
// `scan` entries after a restart) and skips the ids already there, so a write whose reply was lost
// is never appended twice. While the spool holds records, new ones join it, so the stream keeps
// the order they were served in.
import { randomBytes } from 'node:crypto'
import type { PredictionSink } from './buffer.js'
import type { PredictionRecord } from './record.js'
import type { Appended, StreamClient } from './redis-sink.js'
import type { Spool } from './spool.js'

type Entry = [string, string[]]

export interface DurableSinkDeps {
  redis: PredictionSink & { append: (records: PredictionRecord[]) => Promise<Appended> }
  spool: Spool
  client: Pick<StreamClient, 'xrange' | 'xrevrange'>
  prefix: string
  /** Whether Redis can take writes now (the client's status is 'ready'). */
  isReady: () => boolean
  /** Records per replayed pipeline (default 2000). */
  chunk?: number
  /** Stream entries read for ids already written when this process acknowledged none (default 10000). */
  scan?: number
  /** How often a pending spool is retried (default 1000 ms; Redis' 'ready' event also starts a replay). */
  retryMs?: number
  log?: { warn: (o: object, msg: string) => void, info: (o: object, msg: string) => void }
}

export function createDurableSink (deps: DurableSinkDeps) {
  const { redis, spool, client } = deps
  const chunk = deps.chunk ?? 2000
  const scan = deps.scan ?? 10_000
  const origin = randomBytes(6).toString('hex')
  let n = 0
  /** Stream entry ID of the newest record this process saw acknowledged, per model. */
  const acked = new Map<string, string>()
  /**
   * Per model, the acknowledged entry before its first failed write since the spool was last empty
   * (null: none known): a failed write may still have been applied (a timeout, a reply lost to a
   * dead connection), anywhere after it, so the replay looks for ids from there on.
   */
  const scanFrom = new Map<string, string | null>()
  const stats = { spooled: 0, replayed: 0, duplicates: 0, lastReplayAt: null as string | null, lastError: null as string | null }
  let queue: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }

  function note (records: PredictionRecord[], results: Appended): PredictionRecord[] {
    const failed: PredictionRecord[] = []
    for (let i = 0; i < records.length; i++) {
      const { entry, error } = results[i]
      const model = records[i].model
      if (entry !== null) acked.set(model, entry)
      else if (error !== null) {
        failed.push(records[i])
        if (!scanFrom.has(model)) scanFrom.set(model, acked.get(model) ?? null)
      }
    }
    if (failed.length > 0) stats.lastError = results.find((r) => r.error !== null)?.error?.message ?? null
    return failed
  }

  async function toSpool (records: PredictionRecord[]): Promise<void> {
    await spool.append(records)
    stats.spooled += records.length
  }

  /** Ids of `models`' records already in their streams: written since the entry before a failed write, or the newest `scan`. */
  async function present (models: Set<string>): Promise<Set<string>> {
    const ids = new Set<string>()
    for (const model of models) {
      const key = `${deps.prefix}:${model}`
      const after = scanFrom.has(model) ? scanFrom.get(model) : acked.get(model)
      const entries: Entry[] = after != null
        ? await client.xrange(key, `(${after}`, '+', 'COUNT', scan)
        : await client.xrevrange(key, '+', '-', 'COUNT', scan)
      for (const [, fields] of entries) {
        const at = fields.indexOf('r')
        if (at < 0) continue
        try {
          const id = (JSON.parse(fields[at + 1]) as { id?: unknown }).id
          if (typeof id === 'string') ids.add(id)
        } catch { /* not one of ours */ }
      }
    }
    return ids
  }

  let replaying: Promise<void> | null = null
  async function replayOnce (): Promise<void> {
    while (spool.pending > 0 && deps.isReady()) {
      const segments = await exclusive(() => spool.rotate())
      if (segments.length === 0) return
      for (const file of segments) {
        const records = await spool.read(file)
        const seen = await present(new Set(records.map((r) => r.model)))
        for (let i = 0; i < records.length; i += chunk) {
          const batch = records.slice(i, i + chunk)
          const fresh = batch.filter((r) => r.id === undefined || !seen.has(r.id))
          stats.duplicates += batch.length - fresh.length
          const failed = note(fresh, await redis.append(fresh))
          stats.replayed += fresh.length - failed.length
          if (failed.length > 0) {
            // Keep what did not make it (and the rest) for the next attempt; ids guard against doubles.
            const remaining = [...failed, ...records.slice(i + chunk)]
            await spool.settle(file, records.length - remaining.length, remaining)
            return
          }
        }
        await spool.settle(file, records.length, [])
        stats.lastReplayAt = new Date().toISOString()
      }
    }
    if (spool.pending === 0) scanFrom.clear()
    if (spool.pending === 0 && stats.replayed > 0) deps.log?.info({ replayed: stats.replayed, duplicates: stats.duplicates }, 'prediction log: spool replayed into Redis')
  }

  /** Replays the spool into Redis now (one replay at a time); never throws. */
  function replay (): Promise<void> {
    if (replaying === null) {
      replaying = replayOnce()
        .catch((err: Error) => { stats.lastError = err.message; deps.log?.warn({ err: err.message }, 'prediction log: replay stopped; retried later') })
        .finally(() => { replaying = null })
    }
    return replaying
  }

  const timer = setInterval(() => { if (spool.pending > 0 && deps.isReady()) void replay() }, deps.retryMs ?? 1000)
  timer.unref()

  const sink: PredictionSink & { stats: typeof stats, replay: () => Promise<void>, readonly pending: number } = {
    kind: 'redis',
    stats,
    replay,
    get pending () { return spool.pending },
    write: (records) => exclusive(async () => {
      for (const r of records) if (r.id === undefined) r.id = `${origin}-${(n++).toString(36)}`
      if (spool.pending > 0 || !deps.isReady()) {
        await toSpool(records)
        if (deps.isReady()) void replay()
        return
      }
      const failed = note(records, await redis.append(records))
      if (failed.length > 0) await toSpool(failed)
    }),
    recent: (model, limit) => redis.recent(model, limit),
    count: (model) => redis.count(model),
    async close () {
      clearInterval(timer)
      await replaying
      await queue
      await redis.close()
    }
  }
  return sink
}

export type DurableSink = ReturnType<typeof createDurableSink>
