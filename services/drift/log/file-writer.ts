// The write half of the local prediction log, run on a worker thread (as pino's transports are):
// encoding JSON lines and appending them cost ~3 us per record on the event loop (~6 % of a classify
// request; ~1.6 us here now). The event loop only packs each flush into typed arrays (~0.3 us per
// record) and transfers them here without a copy; this thread turns them into lines and appends
// them, one file per model and UTC day (<dir>/<model>/<YYYY-MM-DD>.jsonl), each kept open between flushes.
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import { numberJson, type PredictionRecord } from './record.js'

/** Model names become directory names: anything outside [A-Za-z0-9._-] is replaced. */
export function safeName (model: string): string {
  const s = model.replace(/[^A-Za-z0-9._-]/g, '_')
  return s === '' || s === '.' || s === '..' ? '_' : s
}

// Per record, in `ids`: model, version, prediction, route, feature-name list, ts (a string id, or
// NO_STRING when `num` holds the time as epoch ms). In `num`: ts ms, confidence, latency, features.
const IDS = 6
const NO_STRING = 0xffffffff

/** One flush, packed. `strings` and `schemas` extend the tables the previous batches built. */
export interface PackedBatch {
  n: number
  ids: Uint32Array
  num: Float64Array
  strings: string[]
  schemas: number[][]
  /** Clear both tables before applying this batch's additions (the writer keeps them bounded). */
  reset: boolean
}

/** Event-loop side: interns the few distinct strings, packs records into typed arrays. */
export function createPacker (maxStrings = 10_000) {
  let strings = new Map<string, number>()
  let schemas = new Map<string, number>()
  let newStrings: string[] = []
  let newSchemas: number[][] = []
  let reset = false
  const intern = (s: string): number => {
    let id = strings.get(s)
    if (id === undefined) { id = strings.size; strings.set(s, id); newStrings.push(s) }
    return id
  }
  // ISO strings that survive Date.parse -> toISOString travel as numbers: no table entry per ms.
  let lastTs = ''
  let lastMs = 0
  let lastTsId = NO_STRING
  // Consecutive records mostly repeat these: a compare of the same string is far cheaper than a Map lookup.
  const last = { model: '', version: '', prediction: '', route: '', ids: [0, 0, 0, 0], keys: [] as string[], schema: -1 }
  function schemaOf (f: Record<string, number>): number {
    let j = 0
    let same = true
    for (const key in f) { if (key !== last.keys[j]) { same = false; break } j++ }
    if (same && j === last.keys.length && last.schema >= 0) return last.schema
    const keys = Object.keys(f)
    const names = keys.join('\n')
    let schema = schemas.get(names)
    if (schema === undefined) {
      schema = schemas.size
      schemas.set(names, schema)
      newSchemas.push(keys.map(intern))
    }
    last.keys = keys
    last.schema = schema
    return schema
  }
  function restart (): void {
    strings = new Map(); schemas = new Map(); newStrings = []; newSchemas = []; reset = true
    lastTs = ''; last.model = last.version = last.prediction = last.route = ''; last.keys = []; last.schema = -1
  }
  return {
    /** Clears both tables (the next batch tells the writer to clear its own). */
    restart,
    pack (records: PredictionRecord[]): PackedBatch {
      if (strings.size > maxStrings) restart()
      const ids = new Uint32Array(records.length * IDS)
      let num = new Float64Array(records.length * 7)
      let o = 0
      let k = 0
      for (const r of records) {
        if (r.ts !== lastTs) {
          lastTs = r.ts
          lastMs = Date.parse(r.ts)
          lastTsId = Number.isFinite(lastMs) && new Date(lastMs).toISOString() === r.ts ? NO_STRING : intern(r.ts)
        }
        if (r.model !== last.model) { last.model = r.model; last.ids[0] = intern(r.model) }
        if (r.version !== last.version) { last.version = r.version; last.ids[1] = intern(r.version) }
        if (r.prediction !== last.prediction) { last.prediction = r.prediction; last.ids[2] = intern(r.prediction) }
        if (r.route !== last.route) { last.route = r.route; last.ids[3] = intern(r.route) }
        const f = r.features
        const schema = schemaOf(f)
        const count = last.keys.length
        if (o + 3 + count > num.length) { const grown = new Float64Array(Math.max(num.length * 2, o + 3 + count)); grown.set(num); num = grown }
        ids[k++] = last.ids[0]; ids[k++] = last.ids[1]; ids[k++] = last.ids[2]; ids[k++] = last.ids[3]
        ids[k++] = schema; ids[k++] = lastTsId
        num[o++] = lastMs; num[o++] = r.confidence; num[o++] = r.latency_ms
        for (const key in f) num[o++] = f[key]
      }
      const batch = { n: records.length, ids, num, strings: newStrings, schemas: newSchemas, reset }
      newStrings = []; newSchemas = []; reset = false
      return batch
    }
  }
}

/** Writer side: the text each file gets from a batch, identical to JSON.stringify of each record. */
export function createDecoder () {
  let quoted: string[] = []
  let schemas: number[][] = []
  let dirs: string[] = []
  // The constant stretches of a line, made once: what follows the time up to the first feature value
  // (per model, version and feature list), what precedes each further value, what follows the
  // features up to the confidence (per class), and the line's end (per route).
  let heads = new Map<string, string[]>()
  let predictionParts: string[] = []
  let routeParts: string[] = []
  let lastMs = NaN
  let lastIso = ''
  // Feature values, confidences and latencies repeat: String() of a double is the dearest step left.
  const texts = new Map<number, string>()
  const text = (x: number): string => {
    let t = texts.get(x)
    if (t === undefined) {
      t = numberJson(x)
      if (texts.size >= 65_536) texts.clear()
      texts.set(x, t)
    }
    return t
  }
  function partsFor (model: number, version: number, schema: number): string[] {
    const key = `${model},${version},${schema}`
    let parts = heads.get(key)
    if (parts === undefined) {
      const names = schemas[schema].map((id) => quoted[id] + ':')
      parts = names.length === 0
        ? [',"model":' + quoted[model] + ',"version":' + quoted[version] + ',"features":{']
        : [',"model":' + quoted[model] + ',"version":' + quoted[version] + ',"features":{' + names[0], ...names.slice(1).map((n) => ',' + n)]
      heads.set(key, parts)
    }
    return parts
  }
  return {
    decode (b: PackedBatch): Map<string, string> {
      if (b.reset) { quoted = []; schemas = []; dirs = []; heads = new Map(); predictionParts = []; routeParts = [] }
      for (const s of b.strings) { quoted.push(JSON.stringify(s)); dirs.push('') }
      for (const ids of b.schemas) schemas.push(ids)
      const byFile = new Map<string, string>()
      let file = ''
      let fileModel = -1
      let fileDay = ''
      let out = ''
      let o = 0
      for (let i = 0, k = 0; i < b.n; i++, k += IDS) {
        const model = b.ids[k]
        const tsId = b.ids[k + 5]
        const ms = b.num[o]
        if (tsId === NO_STRING && ms !== lastMs) { lastMs = ms; lastIso = '{"ts":"' + new Date(ms).toISOString() + '"' }
        const head = tsId === NO_STRING ? lastIso : '{"ts":' + quoted[tsId]
        const day = head.slice(7, 17)
        if (model !== fileModel || day !== fileDay) {
          if (dirs[model] === '') dirs[model] = safeName(JSON.parse(quoted[model]) as string)
          if (file !== '') byFile.set(file, out)
          fileModel = model
          fileDay = day
          file = join(dirs[model], day + '.jsonl')
          out = byFile.get(file) ?? ''
          byFile.delete(file)
        }
        const parts = partsFor(model, b.ids[k + 1], b.ids[k + 4])
        const count = schemas[b.ids[k + 4]].length
        let line = head + parts[0]
        if (count > 0) line += text(b.num[o + 3])
        for (let j = 1; j < count; j++) line += parts[j] + text(b.num[o + 3 + j])
        const prediction = b.ids[k + 2]
        const route = b.ids[k + 3]
        out += line + (predictionParts[prediction] ??= '},"prediction":' + quoted[prediction] + ',"confidence":') + text(b.num[o + 1]) +
          ',"latency_ms":' + text(b.num[o + 2]) + (routeParts[route] ??= ',"route":' + quoted[route] + '}\n')
        o += 3 + count
      }
      if (file !== '') byFile.set(file, out)
      return byFile
    }
  }
}

/** Appends to files under `dir`, keeping each open; one that was removed under it (by hand) is made again. */
export function createAppender (dir: string) {
  const open = new Map<string, { fd: number, used: number }>()
  let round = 0
  const openFile = (path: string): number => {
    try {
      return openSync(join(dir, path), 'a')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      mkdirSync(join(dir, path, '..'), { recursive: true })
      return openSync(join(dir, path), 'a')
    }
  }
  return {
    append (byFile: Map<string, string>): void {
      round++
      for (const [path, text] of byFile) {
        let entry = open.get(path)
        if (entry !== undefined && fstatSync(entry.fd).nlink === 0) { closeSync(entry.fd); entry = undefined }
        if (entry === undefined) { entry = { fd: openFile(path), used: round }; open.set(path, entry) }
        entry.used = round
        writeSync(entry.fd, text)
      }
      // Yesterday's files (and those of models no longer served) are closed after a while.
      for (const [path, entry] of open) if (round - entry.used > 100) { closeSync(entry.fd); open.delete(path) }
    },
    close (): void {
      for (const { fd } of open.values()) closeSync(fd)
      open.clear()
    }
  }
}

export type WriterRequest = { seq: number, batch: PackedBatch } | { seq: number, close: true }
export interface WriterReply { seq: number, error?: string }

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'prediction-log-writer') {
  const port = parentPort!
  const decoder = createDecoder()
  const appender = createAppender((workerData as { dir: string }).dir)
  port.on('message', (msg: WriterRequest) => {
    try {
      if ('close' in msg) appender.close()
      else appender.append(decoder.decode(msg.batch))
      port.postMessage({ seq: msg.seq } satisfies WriterReply)
    } catch (err) {
      port.postMessage({ seq: msg.seq, error: (err as Error).message } satisfies WriterReply)
    }
  })
}
