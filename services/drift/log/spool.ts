// The local spool of the Redis prediction log: while Redis is unreachable, records are appended as
// JSON lines (the file sink's line format, with each record's id) to segment files under one
// directory; the replayer reads closed segments oldest first and removes each once it is in the
// stream. Segments survive a restart: what was not replayed before is replayed after.
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeRecord, isRecord, type PredictionRecord } from './record.js'

const SEGMENT = /^\d{15}-\d{6}\.jsonl$/

export function createSpool (dir: string, now: () => number = Date.now) {
  let segment: string | null = null
  let seq = 0
  let pending = 0
  const name = () => `${String(now()).padStart(15, '0')}-${String(seq++ % 1_000_000).padStart(6, '0')}.jsonl`
  const lines = (records: PredictionRecord[]) => { let s = ''; for (const r of records) s += encodeRecord(r) + '\n'; return s }

  async function files (): Promise<string[]> {
    try {
      return (await readdir(dir)).filter((f) => SEGMENT.test(f)).sort()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
  }

  return {
    dir,
    /** Records waiting in the spool. */
    get pending (): number { return pending },
    /** Counts what an earlier process left to replay. */
    async init (): Promise<number> {
      pending = 0
      for (const f of await files()) pending += (await this.read(f)).length
      return pending
    },
    async append (records: PredictionRecord[]): Promise<void> {
      if (records.length === 0) return
      if (segment === null) {
        await mkdir(dir, { recursive: true })
        segment = name()
      }
      await appendFile(join(dir, segment), lines(records))
      pending += records.length
    },
    /** Closes the segment being appended to (later appends start a new one) and lists every segment, oldest first. */
    async rotate (): Promise<string[]> {
      segment = null
      return files()
    },
    async read (file: string): Promise<PredictionRecord[]> {
      const out: PredictionRecord[] = []
      for (const line of (await readFile(join(dir, file), 'utf8')).split('\n')) {
        if (line === '') continue
        try {
          const r: unknown = JSON.parse(line)
          if (isRecord(r)) out.push(r)
        } catch { /* a line torn by a crash is skipped */ }
      }
      return out
    },
    /** A segment was replayed up to `remaining` (empty: all of it). */
    async settle (file: string, replayed: number, remaining: PredictionRecord[]): Promise<void> {
      if (remaining.length === 0) await rm(join(dir, file), { force: true })
      else {
        const tmp = join(dir, `${file}.tmp`)
        await writeFile(tmp, lines(remaining))
        await rename(tmp, join(dir, file))
      }
      pending = Math.max(0, pending - replayed)
    }
  }
}

export type Spool = ReturnType<typeof createSpool>
