// Local append-only prediction log: JSON lines, one file per model and UTC day
// (<dir>/<model>/<YYYY-MM-DD>.jsonl), appended by a worker thread (file-writer.ts) so encoding and
// writing never run on the event loop. Reads go backwards from the newest file so a report over the
// last N rows reads about N lines, however long the log has grown. This process is the only
// writer of its directory, so it also keeps the newest `memoryRows` records of each model in
// memory: repeated reports then parse nothing (parsing 100k lines costs far more than the stats).
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { PredictionSink } from './buffer.js'
import { createPacker, safeName, type WriterReply, type WriterRequest } from './file-writer.js'
import { isRecord, type PredictionRecord } from './record.js'

export { safeName }

const CHUNK = 1 << 20
const PARSE_SLICE = 5000
const NEWLINE = 0x0a

/** The newest records of a model, oldest first; `all` when no older record exists on disk. */
interface Tail { records: PredictionRecord[], all: boolean }

// Built, the thread runs file-writer.js. Run from source (tests, tsx), a thread does not inherit the
// main thread's TypeScript loader hooks, so a small bootstrap registers tsx's before importing the .ts.
const fromSource = import.meta.url.endsWith('.ts')
const writerUrl = new URL(fromSource ? './file-writer.ts' : './file-writer.js', import.meta.url)
const writerEntry = fromSource
  ? [`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(writerUrl.href)}) })`, { eval: true }] as const
  : [writerUrl, {}] as const

/** The writer thread, started on first use and again after it died; requests answered in order. */
function createWriterThread (dir: string) {
  let worker: Worker | null = null
  let packer = createPacker()
  let seq = 0
  const pending = new Map<number, { resolve: () => void, reject: (err: Error) => void }>()
  const fail = (err: Error) => {
    worker = null
    for (const p of pending.values()) p.reject(err)
    pending.clear()
  }
  function start (): Worker {
    const w = new Worker(writerEntry[0], { ...writerEntry[1], workerData: { role: 'prediction-log-writer', dir } })
    w.on('message', (reply: WriterReply) => {
      const p = pending.get(reply.seq)
      pending.delete(reply.seq)
      if (pending.size === 0) w.unref()
      if (reply.error === undefined) p?.resolve()
      else p?.reject(new Error(reply.error))
    })
    w.on('error', (err) => { if (worker === w) fail(err) })
    w.on('exit', (code) => { if (worker === w) fail(new Error(`prediction log writer thread exited (code ${code})`)) })
    // Kept alive by pending writes only: an idle sink that was never closed does not hold the process.
    w.unref()
    // A new thread knows none of the strings the old one was sent.
    packer = createPacker()
    return w
  }
  function send (build: (id: number) => { msg: WriterRequest, transfer: ArrayBuffer[] }): Promise<void> {
    if (worker === null) worker = start()
    const id = ++seq
    const { msg, transfer } = build(id)
    return new Promise<void>((resolve, reject) => {
      if (pending.size === 0) worker!.ref()
      pending.set(id, { resolve, reject })
      worker!.postMessage(msg, transfer)
    })
  }
  return {
    write: (records: PredictionRecord[]) => send((id) => {
      let batch
      try {
        batch = packer.pack(records)
      } catch (err) {
        // Strings it interned were never sent: both sides start their tables again.
        packer.restart()
        throw err
      }
      return { msg: { seq: id, batch }, transfer: [batch.ids.buffer as ArrayBuffer, batch.num.buffer as ArrayBuffer] }
    }),
    async close (): Promise<void> {
      if (worker === null) return
      const w = worker
      await send((id) => ({ msg: { seq: id, close: true }, transfer: [] })).catch(() => {})
      worker = null
      await w.terminate()
    }
  }
}

export function createFileSink (dir: string, opts: { memoryRows?: number } = {}): PredictionSink {
  const memoryRows = opts.memoryRows ?? 100_000
  // Per-model totals, counted from disk on first use and kept up to date by write().
  const counts = new Map<string, number>()
  const tails = new Map<string, Tail>()
  const writer = createWriterThread(dir)
  // Writes and disk reads one at a time, so a tail read from disk is never missing a concurrent write.
  let queue: Promise<unknown> = Promise.resolve()
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }

  async function files (model: string): Promise<string[]> {
    try {
      return (await readdir(join(dir, safeName(model)))).filter((f) => f.endsWith('.jsonl')).sort()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
  }

  return {
    kind: 'file',
    write: (records) => exclusive(async () => {
      if (records.length === 0) return
      await writer.write(records)
      const byModel = new Map<string, PredictionRecord[]>()
      for (const r of records) {
        const list = byModel.get(r.model)
        if (list === undefined) byModel.set(r.model, [r])
        else list.push(r)
      }
      for (const [model, written] of byModel) {
        if (counts.has(model)) counts.set(model, (counts.get(model) as number) + written.length)
        const tail = tails.get(model)
        if (tail !== undefined) {
          for (const r of written) tail.records.push(r)
          if (tail.records.length > memoryRows) { tail.records.splice(0, tail.records.length - memoryRows); tail.all = false }
        }
      }
    }),
    async recent (model, limit) {
      const cached = tails.get(model)
      if (cached !== undefined && (cached.records.length >= limit || cached.all)) return cached.records.slice(-limit)
      return exclusive(async () => {
        // A read queued behind another read of this model (the start-up warm-up) finds the tail it made.
        const made = tails.get(model)
        if (made !== undefined && (made.records.length >= limit || made.all)) return made.records.slice(-limit)
        const lines: string[] = []
        const names = await files(model)
        for (let i = names.length - 1; i >= 0 && lines.length < limit; i--) {
          await tailLines(join(dir, safeName(model), names[i]), limit, lines)
        }
        const out: PredictionRecord[] = []
        for (let i = lines.length - 1; i >= 0; i--) {
          // Parsing 100k lines takes ~0.3 s: hand the event loop back every few thousand, so requests
          // served meanwhile are not held up by a cold report.
          if (i % PARSE_SLICE === 0 && i > 0) await new Promise((resolve) => setImmediate(resolve))
          try {
            const r: unknown = JSON.parse(lines[i])
            if (isRecord(r) && r.model === model) out.push(r)
          } catch { /* a torn last line after a crash is skipped, not fatal */ }
        }
        if (memoryRows > 0 && out.length <= memoryRows) tails.set(model, { records: out.slice(), all: lines.length < limit })
        return out
      })
    },
    /** Loads the newest records of every logged model into memory, so the first report after a restart is warm. */
    async warm () {
      if (memoryRows === 0) return
      let dirs: string[]
      try {
        dirs = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name)
      } catch {
        return
      }
      for (const d of dirs) {
        const names = (await readdir(join(dir, d))).filter((f) => f.endsWith('.jsonl')).sort()
        if (names.length === 0) continue
        // Directory names are sanitised model names: the model's own name is in its newest record.
        const newest: string[] = []
        await tailLines(join(dir, d, names[names.length - 1]), 1, newest)
        let model: unknown
        try { model = (JSON.parse(newest[0] ?? 'null') as { model?: unknown } | null)?.model } catch {}
        if (typeof model === 'string' && safeName(model) === d) await this.recent(model, memoryRows)
      }
    },
    async count (model) {
      const known = counts.get(model)
      if (known !== undefined) return known
      let n = 0
      for (const name of await files(model)) n += await countLines(join(dir, safeName(model), name))
      counts.set(model, n)
      return n
    },
    close: () => exclusive(() => writer.close())
  }
}

/** Pushes the file's lines, newest first, onto `into` until it holds `limit`. */
async function tailLines (path: string, limit: number, into: string[]): Promise<void> {
  const fh = await open(path, 'r')
  try {
    let pos = (await fh.stat()).size
    let rest = Buffer.alloc(0)
    while (pos > 0 && into.length < limit) {
      const size = Math.min(CHUNK, pos)
      pos -= size
      const chunk = Buffer.alloc(size)
      await fh.read(chunk, 0, size, pos)
      const data = rest.length === 0 ? chunk : Buffer.concat([chunk, rest])
      let end = data.length
      let nl = data.lastIndexOf(NEWLINE, end - 1)
      while (nl >= 0 && into.length < limit) {
        if (end - nl > 1) into.push(data.toString('utf8', nl + 1, end))
        end = nl
        nl = end === 0 ? -1 : data.lastIndexOf(NEWLINE, end - 1)
      }
      rest = data.subarray(0, end)
    }
    if (pos === 0 && rest.length > 0 && into.length < limit) into.push(rest.toString('utf8'))
  } finally {
    await fh.close()
  }
}

async function countLines (path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    let n = 0
    const buf = Buffer.alloc(CHUNK)
    for (let pos = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, pos)
      if (bytesRead === 0) return n
      for (let i = buf.indexOf(NEWLINE, 0); i >= 0 && i < bytesRead; i = buf.indexOf(NEWLINE, i + 1)) n++
      pos += bytesRead
    }
  } finally {
    await fh.close()
  }
}
