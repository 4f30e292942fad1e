import { appendFile, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createFileSink, safeName } from '../../../../services/drift/log/file-sink.js'
import { toCsv, type PredictionRecord } from '../../../../services/drift/log/record.js'

const record = (model: string, day: number, i: number): PredictionRecord => ({
  ts: new Date(Date.UTC(2026, 10, day, 12, 0, i)).toISOString(),
  model,
  version: '1',
  features: { sepal_length: i, sepal_width: 3 },
  prediction: i % 2 === 0 ? 'setosa' : 'versicolor',
  confidence: 0.75,
  latency_ms: 0.5,
  route: '/api/v1/classify'
})

t.test('JSON lines per model and UTC day; recent() returns the newest rows oldest first, across files', async (t) => {
  const dir = t.testdir({})
  const sink = createFileSink(dir)
  await sink.write([record('iris', 20, 0), record('iris', 20, 1), record('iris_mlp', 20, 0)])
  await sink.write([record('iris', 21, 2), record('iris', 21, 3)])
  t.same((await readdir(join(dir, 'iris'))).sort(), ['2026-11-20.jsonl', '2026-11-21.jsonl'])
  t.same((await readFile(join(dir, 'iris', '2026-11-20.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l)), [record('iris', 20, 0), record('iris', 20, 1)])
  t.same((await sink.recent('iris', 3)).map((r) => r.features.sepal_length), [1, 2, 3])
  t.same((await sink.recent('iris', 100)).map((r) => r.features.sepal_length), [0, 1, 2, 3])
  t.same(await sink.recent('iris_mlp', 5), [record('iris_mlp', 20, 0)])
  t.same(await sink.recent('unknown', 5), [])
  t.equal(await sink.count('iris'), 4)
  await sink.write([record('iris', 21, 4)])
  t.equal(await sink.count('iris'), 5, 'the count follows writes')
})

t.test('a torn last line (crash mid-write) is skipped; model names cannot escape the directory', async (t) => {
  const dir = t.testdir({})
  const sink = createFileSink(dir)
  await sink.write([record('iris', 20, 0)])
  await appendFile(join(dir, 'iris', '2026-11-20.jsonl'), '{"ts":"2026-11-20T12:0')
  t.same(await sink.recent('iris', 10), [record('iris', 20, 0)])
  t.equal(safeName('../etc'), '.._etc')
  t.equal(safeName('..'), '_')
  await sink.write([record('../x', 20, 0)])
  t.same(await readdir(dir), ['.._x', 'iris'])
})

t.test('recent() reads backwards in chunks: rows larger than a chunk boundary stay intact', async (t) => {
  const dir = t.testdir({})
  const sink = createFileSink(dir)
  const many = Array.from({ length: 12000 }, (_, i) => record('iris', 20, i % 60))
  many.forEach((r, i) => { r.features = { sepal_length: i, sepal_width: 3 }; r.route = `/api/v1/classify?pad=${'x'.repeat(i % 97)}` })
  await sink.write(many)
  const tail = await sink.recent('iris', 11000)
  t.equal(tail.length, 11000)
  t.same(tail.map((r) => r.features.sepal_length), Array.from({ length: 11000 }, (_, i) => i + 1000))
  t.equal(await sink.count('iris'), 12000)
})

t.test('CSV export: seed layout, quoting', async (t) => {
  const r = { ...record('iris', 20, 1), prediction: 'a "quoted", class' }
  t.equal(toCsv([r], ['sepal_length', 'sepal_width']),
    'timestamp,sepal_length,sepal_width,prediction,confidence,model,version,latency_ms,route\n' +
    '2026-11-20T12:00:01.000Z,1,3,"a ""quoted"", class",0.75,iris,1,0.5,/api/v1/classify\n')
})

t.test('after a first read the newest rows are served from memory, and follow later writes', async (t) => {
  const dir = t.testdir({})
  const warm = createFileSink(dir, { memoryRows: 3 })
  await warm.write([record('iris', 20, 0), record('iris', 20, 1)])
  t.same((await warm.recent('iris', 10)).map((r) => r.features.sepal_length), [0, 1], 'first read from disk: everything there is')
  await appendFile(join(dir, 'iris', '2026-11-20.jsonl'), JSON.stringify(record('iris', 20, 7)) + '\n')
  await warm.write([record('iris', 20, 2)])
  t.same((await warm.recent('iris', 10)).map((r) => r.features.sepal_length), [0, 1, 2], 'served from memory (a line added behind its back is not seen)')
  await warm.write([record('iris', 20, 3)])
  t.same((await warm.recent('iris', 3)).map((r) => r.features.sepal_length), [1, 2, 3], 'capped at memoryRows')
  t.same((await warm.recent('iris', 10)).map((r) => r.features.sepal_length), [0, 1, 7, 2, 3], 'beyond the cap: back to the file')
  const cold = createFileSink(dir, { memoryRows: 0 })
  t.same((await cold.recent('iris', 2)).map((r) => r.features.sepal_length), [2, 3])
})

t.test('warm(): a restarted sink loads each model\'s newest records (sanitised directory names too), then serves them from memory', async (t) => {
  const dir = t.testdir({})
  const first = createFileSink(dir)
  // More rows than one parse slice, across two days, for a model whose directory name is sanitised.
  const rows = Array.from({ length: 12_000 }, (_, i) => ({ ...record('iris@registry', 20 + (i >= 6000 ? 1 : 0), i % 60), features: { sepal_length: i, sepal_width: 3 } }))
  await first.write(rows)
  await first.write([record('iris', 20, 1), record('iris', 20, 2)])
  t.same((await readdir(dir)).sort(), ['iris', 'iris_registry'])

  const restarted = createFileSink(dir, { memoryRows: 10_000 })
  await restarted.warm?.()
  // The files are gone: whatever recent() answers now comes from memory.
  await rm(join(dir, 'iris_registry'), { recursive: true })
  await rm(join(dir, 'iris'), { recursive: true })
  const recent = await restarted.recent('iris@registry', 10_000)
  t.equal(recent.length, 10_000)
  t.same(recent.slice(0, 2).map((r) => r.features.sepal_length), [2000, 2001], 'the newest 10000, oldest first')
  t.equal(recent.at(-1)?.features.sepal_length, 11_999)
  t.same((await restarted.recent('iris', 5)).map((r) => r.ts), [record('iris', 20, 1).ts, record('iris', 20, 2).ts])
})

t.test('a cold read of many rows (several parse slices) returns them all, in order', async (t) => {
  const dir = t.testdir({})
  const sink = createFileSink(dir, { memoryRows: 0 })
  await sink.write(Array.from({ length: 11_001 }, (_, i) => ({ ...record('iris', 20, 0), features: { sepal_length: i, sepal_width: 3 } })))
  const all = await sink.recent('iris', 20_000)
  t.equal(all.length, 11_001)
  t.ok(all.every((r, i) => r.features.sepal_length === i), 'oldest first, none lost or repeated')
})
