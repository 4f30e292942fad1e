// Prediction log in Redis Streams, one capped stream per model (`<prefix>:<model>`), so every
// gateway replica appends to the same place and a report on any replica sees all of them.
// XADD ... MAXLEN ~ n lets Redis trim whole macro-nodes, which is far cheaper than an exact cap.
// https://redis.io/docs/latest/commands/xadd/
import type { PredictionSink } from './buffer.js'
import { isRecord, type PredictionRecord } from './record.js'

/** The part of an ioredis client the sink uses (the plugin owns the connection). */
export interface StreamClient {
  pipeline: () => { xadd: (key: string, ...args: Array<string | number>) => unknown, exec: () => Promise<Array<[Error | null, unknown]> | null> }
  xrevrange: (key: string, end: string, start: string, count: 'COUNT', n: number) => Promise<Array<[string, string[]]>>
  xlen: (key: string) => Promise<number>
}

export function createRedisSink (client: StreamClient, opts: { prefix: string, maxLen: number }): PredictionSink {
  const key = (model: string) => `${opts.prefix}:${model}`
  return {
    kind: 'redis',
    async write (records) {
      const pipe = client.pipeline()
      for (const r of records) pipe.xadd(key(r.model), 'MAXLEN', '~', opts.maxLen, '*', 'r', JSON.stringify(r))
      const results = await pipe.exec()
      const failed = (results ?? []).find(([err]) => err !== null)
      if (failed !== undefined) throw failed[0] as Error
    },
    async recent (model, limit) {
      const entries = await client.xrevrange(key(model), '+', '-', 'COUNT', limit)
      const out: PredictionRecord[] = []
      for (let i = entries.length - 1; i >= 0; i--) {
        const fields = entries[i][1]
        const at = fields.indexOf('r')
        if (at < 0) continue
        try {
          const r: unknown = JSON.parse(fields[at + 1])
          if (isRecord(r)) out.push(r)
        } catch { /* an entry written by something else is skipped */ }
      }
      return out
    },
    count: (model) => client.xlen(key(model)),
    async close () {}
  }
}
