import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createAppender, createDecoder, createPacker } from '../../../../services/drift/log/file-writer.js'
import { createFileSink } from '../../../../services/drift/log/file-sink.js'
import type { PredictionRecord } from '../../../../services/drift/log/record.js'

const base = Date.UTC(2026, 10, 20, 23, 59, 59, 990)
const record = (i: number, over: Partial<PredictionRecord> = {}): PredictionRecord => ({
  ts: new Date(base + i * 3).toISOString(),
  model: i % 3 === 0 ? 'iris_mlp' : 'iris',
  version: String(1 + (i % 2)),
  features: { sepal_length: 5.1 + i / 7, sepal_width: 3.5, petal_length: -0, petal_width: 1e-7 * i },
  prediction: ['setosa', 'versicolor', 'virginica'][i % 3],
  confidence: 1 / (i + 1),
  latency_ms: 0.123 * i,
  route: '/api/v1/classify',
  ...over
})

/** What each file must hold: JSON.stringify of each record, grouped by model and UTC day. */
function expected (records: PredictionRecord[]): Map<string, string> {
  const out = new Map<string, string>()
  for (const r of records) {
    const file = join(r.model.replace(/[^A-Za-z0-9._-]/g, '_'), `${r.ts.slice(0, 10)}.jsonl`)
    out.set(file, (out.get(file) ?? '') + JSON.stringify(r) + '\n')
  }
  return out
}

const sorted = (m: Map<string, string>) => [...m].sort(([a], [b]) => a.localeCompare(b))

t.test('packed and decoded, each line equals JSON.stringify of its record, in its model\'s file for its UTC day', async (t) => {
  const packer = createPacker()
  const decoder = createDecoder()
  // Records cross midnight, alternate models, versions and classes, and change feature sets.
  const first = Array.from({ length: 20 }, (_, i) => record(i))
  const second = [
    record(20, { features: { x1: 0.5, x2: -2 } }),
    record(21, { ts: '2026-11-21T08:00:00Z' }), // not toISOString's form: sent as a string, kept as written
    record(22, { model: 'team/a b', route: '/predict', prediction: 'class "1"', features: { x1: 1, x2: 2 } }),
    record(23, { confidence: Number.NaN, latency_ms: Number.POSITIVE_INFINITY }),
    record(24, { features: {} }),
    record(25, { model: 'modèle', prediction: 'classe é' }),
    record(26)
  ]
  const out1 = decoder.decode(packer.pack(first))
  t.same(sorted(out1), sorted(expected(first)))
  t.same([...out1.keys()].sort(), ['iris/2026-11-20.jsonl', 'iris/2026-11-21.jsonl', 'iris_mlp/2026-11-20.jsonl', 'iris_mlp/2026-11-21.jsonl'])
  const b2 = packer.pack(second)
  t.same(b2.strings.filter((s) => s === 'iris' || s === 'setosa'), [], 'strings are sent once, not per batch')
  const out2 = decoder.decode(b2)
  t.same(sorted(out2), sorted(expected(second)))
  t.match(out2.get(join('team_a_b', '2026-11-21.jsonl')), /"model":"team\/a b".*"prediction":"class \\"1\\"".*"route":"\/predict"/)
  t.match(out2.get(join('iris', '2026-11-21.jsonl')), /"confidence":null,"latency_ms":null/, 'non-finite numbers as JSON.stringify writes them')
})

t.test('the string tables stay bounded: past the cap both sides start again and lines stay exact', async (t) => {
  const packer = createPacker(4)
  const decoder = createDecoder()
  for (let round = 0; round < 5; round++) {
    const batch = Array.from({ length: 6 }, (_, i) => record(i, { version: `v${round}-${i}` }))
    const packed = packer.pack(batch)
    t.same(sorted(decoder.decode(packed)), sorted(expected(batch)), `round ${round}${packed.reset ? ' (tables reset)' : ''}`)
  }
})

t.test('the appender keeps files open, and makes again a directory or file removed under it', async (t) => {
  const dir = t.testdir({})
  const appender = createAppender(dir)
  t.teardown(() => appender.close())
  appender.append(new Map([['iris/2026-11-20.jsonl', 'a\n']]))
  appender.append(new Map([['iris/2026-11-20.jsonl', 'b\n']]))
  t.equal(await readFile(join(dir, 'iris', '2026-11-20.jsonl'), 'utf8'), 'a\nb\n')
  await rm(join(dir, 'iris'), { recursive: true })
  appender.append(new Map([['iris/2026-11-20.jsonl', 'c\n']]))
  t.equal(await readFile(join(dir, 'iris', '2026-11-20.jsonl'), 'utf8'), 'c\n', 'the unlinked file is not written into')
})

t.test('the file sink\'s writer thread: lines on disk, and a failed append rejects its write only', async (t) => {
  const dir = t.testdir({ blocked: 'a file where the model directory would go\n' })
  const sink = createFileSink(dir)
  t.teardown(() => sink.close())
  const batch = Array.from({ length: 9 }, (_, i) => record(i))
  await sink.write(batch)
  t.equal(await readFile(join(dir, 'iris', '2026-11-20.jsonl'), 'utf8'), expected(batch).get(join('iris', '2026-11-20.jsonl')))
  await t.rejects(sink.write([record(1, { model: 'blocked' })]), /ENOTDIR|EEXIST/, 'an append that fails rejects, naming the error')
  await t.rejects(sink.write([record(2, { features: null as never })]), TypeError, 'a record that cannot be packed rejects its batch')
  await sink.write([record(1)])
  t.equal(await sink.count('iris'), 7, 'the sink goes on writing after a failed batch')
  const lines = (await readFile(join(dir, 'iris', '2026-11-20.jsonl'), 'utf8')).trim().split('\n')
  t.equal(lines.length, 2 + 1, 'two of the first batch, then the last')
  t.same(JSON.parse(lines[2]), record(1), 'written right after the tables started again')
})
