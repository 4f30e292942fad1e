import t from 'tap'
import { createBatcher, sliceRows, type Outputs } from '../../../services/inference/batcher.js'

const WIDTH = 4

/** An executor that doubles its input and records the row count of each run. */
function doubling (delayMs = 2) {
  const runs: number[] = []
  const exec = async (input: Float32Array, rows: number): Promise<Outputs> => {
    runs.push(rows)
    await new Promise((resolve) => setTimeout(resolve, delayMs))
    return {
      doubled: { data: input.map((v) => v * 2), dims: [rows, WIDTH] },
      first: { data: BigInt64Array.from(Array.from({ length: rows }, (_, r) => BigInt(input[r * WIDTH]))), dims: [rows] }
    }
  }
  return { runs, exec }
}

const base = { name: 'm', rowWidth: WIDTH, enabled: true, maxBatchSize: 64, maxQueueSize: 1000, maxQueueDelayMicros: 0 }

t.test('200 concurrent callers each get exactly their own rows, in far fewer runs', async (t) => {
  const { runs, exec } = doubling()
  const batcher = createBatcher(exec, base)
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => {
    const rows = (i % 3) + 1
    const input = Float32Array.from({ length: rows * WIDTH }, (_, j) => i * 100 + j)
    return batcher.run(input, rows).then((out) => ({ i, rows, input, out }))
  }))
  for (const { rows, input, out } of results) {
    t.same(Array.from(out.doubled.data as Float32Array), Array.from(input, (v) => v * 2))
    t.same(out.doubled.dims, [rows, WIDTH])
    t.same(Array.from(out.first.data as BigInt64Array), Array.from({ length: rows }, (_, r) => BigInt(input[r * WIDTH])))
  }
  t.equal(runs.reduce((a, b) => a + b, 0), results.reduce((a, r) => a + r.rows, 0), 'every row ran once')
  t.ok(runs.length < 200 / 4, `runs (${runs.length}) far fewer than requests (200)`)
  t.ok(runs.every((n) => n <= 64), 'no run exceeds maxBatchSize')
  t.equal(batcher.stats.requests, 200)
  t.equal(batcher.stats.executions, runs.length)
  t.equal(batcher.queueDepth, 0)
})

t.test('a full queue rejects with GW_QUEUE_FULL (503) and loses nothing already queued', async (t) => {
  const { exec } = doubling(20)
  const batcher = createBatcher(exec, { ...base, maxQueueSize: 5 })
  const accepted = Array.from({ length: 6 }, (_, i) => batcher.run(Float32Array.of(i, 0, 0, 0), 1))
  const err = await batcher.run(Float32Array.of(9, 0, 0, 0), 1).catch((e: Error & { statusCode: number, code: string }) => e)
  t.equal((err as { code: string }).code, 'GW_QUEUE_FULL')
  t.equal((err as { statusCode: number }).statusCode, 503)
  t.match((err as Error).message, /queue for model 'm' is full \(5 requests waiting\)/)
  const out = await Promise.all(accepted)
  t.same(out.map((o) => (o.doubled.data as Float32Array)[0]), [0, 2, 4, 6, 8, 10])
})

t.test('batching off runs every request on its own', async (t) => {
  const { runs, exec } = doubling(1)
  const batcher = createBatcher(exec, { ...base, enabled: false })
  await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.run(Float32Array.of(i, 0, 0, 0), 1)))
  t.equal(runs.length, 20)
  t.ok(runs.every((n) => n === 1))
})

t.test('maxQueueDelayMicros waits for a batch to fill', async (t) => {
  const { runs, exec } = doubling(0)
  const batcher = createBatcher(exec, { ...base, maxQueueDelayMicros: 20_000 })
  const first = batcher.run(Float32Array.of(1, 0, 0, 0), 1)
  await new Promise((resolve) => setTimeout(resolve, 2))
  const second = batcher.run(Float32Array.of(2, 0, 0, 0), 1)
  await Promise.all([first, second])
  t.same(runs, [2], 'both requests ran in one batch')
})

t.test('a failing run rejects only its own batch; the next batch runs', async (t) => {
  let fail = true
  const batcher = createBatcher(async (input, rows) => {
    if (fail) { fail = false; throw new Error('boom') }
    return { y: { data: input, dims: [rows, WIDTH] } }
  }, base)
  const a = batcher.run(Float32Array.of(1, 1, 1, 1), 1)
  const b = batcher.run(Float32Array.of(2, 2, 2, 2), 1)
  await t.rejects(a, { message: 'boom' })
  t.same(Array.from((await b).y.data as Float32Array), [2, 2, 2, 2])
  t.equal(batcher.stats.failures, 1)
})

t.test('sliceRows cuts every output by its rows', async (t) => {
  const out = sliceRows({ p: { data: Float32Array.of(1, 2, 3, 4, 5, 6), dims: [3, 2] }, l: { data: ['a', 'b', 'c'], dims: [3] } }, 3, 1, 2)
  t.same(Array.from(out.p.data as Float32Array), [3, 4, 5, 6])
  t.same(out.p.dims, [2, 2])
  t.same(out.l.data, ['b', 'c'])
})
