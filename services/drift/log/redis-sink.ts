// Prediction log in Redis Streams, one capped stream per model (`<prefix>:<model>`), so every
// gateway replica appends to the same place and a report on any replica sees all of them.
// XADD ... MAXLEN ~ n lets Redis trim whole macro-nodes, which is far cheaper than an exact cap.
// Stream IDs only grow, so a replica keeps the newest `memoryRows` entries in memory and on each
// read fetches only the entries added since (XRANGE (lastId +), instead of re-reading and
// re-parsing the whole window. https://redis.io/docs/latest/develop/data-types/streams/
import type { PredictionSink } from './buffer.js'
import { encodeRecord, isRecord, type PredictionRecord } from './record.js'

type Entry = [string, string[]]

/** The part of an ioredis client the sink uses (the plugin owns the connection). */
export interface StreamClient {
  pipeline: () => { xadd: (key: string, ...args: Array<string | number>) => unknown, exec: () => Promise<Array<[Error | null, unknown]> | null> }
  xrange: (key: string, start: string, end: string, count: 'COUNT', n: number) => Promise<Entry[]>
  xrevrange: (key: string, end: string, start: string, count: 'COUNT', n: number) => Promise<Entry[]>
  xlen: (key: string) => Promise<number>
}

/** Cached newest entries of a stream, oldest first, with their IDs; `all` when nothing older exists. */
interface Tail { ids: string[], records: PredictionRecord[], all: boolean }

function parse (entries: Entry[]): { ids: string[], records: PredictionRecord[] } {
  const ids: string[] = []
  const records: PredictionRecord[] = []
  for (const [id, fields] of entries) {
    const at = fields.indexOf('r')
    if (at < 0) continue
    try {
      const r: unknown = JSON.parse(fields[at + 1])
      if (isRecord(r)) { ids.push(id); records.push(r) }
    } catch { /* an entry written by something else is skipped */ }
  }
  return { ids, records }
}

/** Per record: its stream entry ID, or the error that kept it out (a reply lost to a dead connection counts as an error). */
export type Appended = Array<{ entry: string | null, error: Error | null }>

export function createRedisSink (client: StreamClient, opts: { prefix: string, maxLen: number, memoryRows?: number }): PredictionSink & { append: (records: PredictionRecord[]) => Promise<Appended> } {
  const key = (model: string) => `${opts.prefix}:${model}`
  const memoryRows = opts.memoryRows ?? 100_000
  const tails = new Map<string, Tail>()
  let queue: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }

  async function read (model: string, limit: number): Promise<PredictionRecord[]> {
    let tail = tails.get(model)
    if (tail !== undefined && tail.ids.length > 0) {
      const newer = await client.xrange(key(model), `(${tail.ids[tail.ids.length - 1]}`, '+', 'COUNT', memoryRows + 1)
      if (newer.length > memoryRows) tail = undefined // too far behind: start again from the newest
      else {
        const got = parse(newer)
        for (let i = 0; i < got.ids.length; i++) { tail.ids.push(got.ids[i]); tail.records.push(got.records[i]) }
      }
    } else tail = undefined
    if (tail === undefined || (tail.records.length < limit && !tail.all)) {
      const need = limit - (tail?.records.length ?? 0)
      const older = await client.xrevrange(key(model), tail === undefined ? '+' : `(${tail.ids[0]}`, '-', 'COUNT', need)
      const got = parse(older.reverse())
      tail = { ids: [...got.ids, ...(tail?.ids ?? [])], records: [...got.records, ...(tail?.records ?? [])], all: older.length < need }
    }
    if (tail.records.length > memoryRows) {
      const drop = tail.records.length - memoryRows
      tail.ids.splice(0, drop)
      tail.records.splice(0, drop)
      tail.all = false
    }
    if (memoryRows > 0) tails.set(model, tail)
    return tail.records.slice(-limit)
  }

  async function append (records: PredictionRecord[]): Promise<Appended> {
    const pipe = client.pipeline()
    for (const r of records) pipe.xadd(key(r.model), 'MAXLEN', '~', opts.maxLen, '*', 'r', encodeRecord(r))
    let results: Array<[Error | null, unknown]> | null
    try {
      results = await pipe.exec()
    } catch (err) {
      return records.map(() => ({ entry: null, error: err as Error }))
    }
    return records.map((_, i) => {
      const [error, entry] = results?.[i] ?? [new Error('no reply'), null]
      return { entry: error === null && typeof entry === 'string' ? entry : null, error: error ?? (typeof entry === 'string' ? null : new Error('no reply')) }
    })
  }

  return {
    kind: 'redis',
    append,
    async write (records) {
      const failed = (await append(records)).find((r) => r.error !== null)?.error
      if (failed != null) throw failed
    },
    recent: (model, limit) => exclusive(() => read(model, limit)),
    count: (model) => client.xlen(key(model)),
    async close () {}
  }
}
