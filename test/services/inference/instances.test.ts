// Model instances on worker threads: the same answers as the main thread, N batches at once, a
// crashed, throwing or hung thread replaced with its batch answered 503, and threads joined on close.
import { join } from 'node:path'
import t from 'tap'
import { checkInstanceSettings, planInstances } from '../../../services/inference/instances.js'
import { createModelStore, type ServedModel } from '../../../services/inference/model-store.js'
import { projectRoot } from '../../../services/lib/project-root.js'

const dirOf = (name: string) => ({ name, version: '1', dir: join(projectRoot, 'models', name, '1') })
const store = (instances = { kind: 'auto' as const, count: 1, workerThresholdMs: 5, runTimeoutMs: 30_000 }) => createModelStore({
  sessionOptions: { interOpNumThreads: 1, intraOpNumThreads: 1 },
  batching: { enabled: true, maxBatchSize: 8, maxQueueSize: 64, maxQueueDelayMicros: 0 },
  instances
})

/** 40 Iris-like rows spread over the feature space. */
const ROWS = 40
const input = Float32Array.from({ length: ROWS * 4 }, (_, i) => [4.3, 2.0, 1.0, 0.1][i % 4] + ((i * 7919) % 97) / 97 * [3.6, 2.4, 5.9, 2.4][i % 4])
const rowsOf = (from: number, n: number) => input.slice(from * 4, (from + n) * 4)

/** Every row sent as its own concurrent request (so the batcher batches and slices), answers in order. */
async function oneByOne (s: ReturnType<typeof store>, m: ServedModel) {
  return Promise.all(Array.from({ length: ROWS }, (_, r) => s.predict(m, rowsOf(r, 1), 1)))
}

for (const name of ['iris', 'iris_mlp']) {
  t.test(`${name}: worker instances answer bitwise what the main thread answers`, async (t) => {
    const main = store()
    const workers = store()
    t.teardown(() => Promise.all([main.close(), workers.close()]))
    const onMain = await main.load(dirOf(name), { kind: 'main' })
    const onWorkers = await workers.load(dirOf(name), { kind: 'worker', instances: 2 })
    t.match(onMain.instances.plan, { kind: 'main', count: 1, source: 'serving.json', probeMs: null })
    t.match(onWorkers.instances.plan, { kind: 'worker', count: 2, source: 'serving.json' })
    t.equal(onWorkers.instances.pool?.live, 2)

    const a = await main.predict(onMain, input, ROWS)
    const b = await workers.predict(onWorkers, input, ROWS)
    t.same(Buffer.from(b.probabilities.buffer, b.probabilities.byteOffset, b.probabilities.byteLength), Buffer.from(a.probabilities.buffer, a.probabilities.byteOffset, a.probabilities.byteLength), 'probabilities: the same bytes')
    t.same(b.predicted, a.predicted)
    const label = onMain.labelOutput as string
    t.same(Array.from(b.outputs[label].data as BigInt64Array), Array.from(a.outputs[label].data as BigInt64Array), 'the label output too')
    t.ok(new Set(a.predicted).size > 1, 'the rows span more than one class')

    const each = await oneByOne(workers, onWorkers)
    for (let r = 0; r < ROWS; r++) t.same(Array.from(each[r].probabilities), Array.from(a.probabilities.subarray(r * 3, r * 3 + 3)), `row ${r} batched with others`)
    t.ok(onWorkers.batcher.stats.executions < ROWS + 1, 'concurrent rows were batched')
    t.equal(input.length, ROWS * 4, "the caller's rows are intact (copied, not moved, to the thread)")
  })
}

t.test('the batcher feeds every instance: two batches run at once on two instances, the rest wait', async (t) => {
  const s = store()
  t.teardown(() => s.close())
  const m = await s.load(dirOf('iris'), { kind: 'worker', instances: 2 })
  // Requests of a full batch (8 rows) each: four batches.
  const pending = [0, 8, 16, 24].map((from) => s.predict(m, rowsOf(from, 8), 8))
  t.equal(m.batcher.inflight, 2, 'both instances busy')
  t.equal(m.batcher.queueDepth, 2, 'the other two batches wait for a free instance')
  const done = await Promise.all(pending)
  t.same(done.map((p) => p.rows), [8, 8, 8, 8])
  t.equal(m.batcher.stats.executions, 4)
  t.equal(m.batcher.inflight, 0)
})

for (const how of ['exit', 'throw'] as const) {
  t.test(`a thread that ${how === 'exit' ? 'calls process.exit' : 'throws'} is replaced; its batch gets 503 naming the model, the next is served`, async (t) => {
    const s = store()
    t.teardown(() => s.close())
    const restarts: string[] = []
    const m = await s.load(dirOf('iris'), { kind: 'worker', instances: 1 })
    const ok = await s.predict(m, rowsOf(0, 2), 2)
    m.instances.pool!.injectFault(0, how)
    await t.rejects(s.predict(m, rowsOf(0, 2), 2), {
      code: 'GW_MODEL_INSTANCE_FAILED',
      statusCode: 503,
      message: how === 'exit'
        ? "Model 'iris' version '1': instance 0 failed (its thread exited with code 3); it is being replaced, retry"
        : "Model 'iris' version '1': instance 0 failed (injected fault: the instance thread threw); it is being replaced, retry"
    })
    restarts.push(String(m.instances.pool!.restarts))
    const again = await s.predict(m, rowsOf(0, 2), 2)
    t.same(Array.from(again.probabilities), Array.from(ok.probabilities), 'the replacement answers as before')
    t.same(restarts, ['1'])
    t.equal(m.instances.pool!.live, 1)
  })
}

t.test('a hung thread is terminated after INSTANCE_RUN_TIMEOUT_MS and replaced; its batch gets 503, queued batches run on the replacement', async (t) => {
  const s = store({ kind: 'auto', count: 1, workerThresholdMs: 5, runTimeoutMs: 800 })
  t.teardown(() => s.close())
  const m = await s.load(dirOf('iris'), { kind: 'worker' })
  m.instances.pool!.injectFault(0, 'hang')
  const hung = s.predict(m, rowsOf(0, 8), 8)
  const queued = s.predict(m, rowsOf(8, 8), 8)
  await t.rejects(hung, { code: 'GW_MODEL_INSTANCE_FAILED', statusCode: 503, message: /^Model 'iris' version '1': instance 0 failed \(no answer within 800 ms\)/ })
  t.equal((await queued).rows, 8, 'the batch behind it is served by the replacement')
  t.equal(m.instances.pool!.restarts, 1)
})

t.test('close joins every thread, and unload of one version joins its threads', async (t) => {
  const s = store()
  const a = await s.load(dirOf('iris'), { kind: 'worker', instances: 2 })
  const b = await s.load(dirOf('iris_mlp'), { kind: 'worker', instances: 1 })
  await s.predict(a, rowsOf(0, 4), 4)
  t.equal(a.instances.pool!.live + b.instances.pool!.live, 3)
  await s.unload('iris_mlp', '1')
  t.equal(b.instances.pool!.live, 0, 'the unloaded version has no thread left')
  await s.close()
  t.equal(a.instances.pool!.live, 0, 'no thread left after close')
  await t.rejects(a.instances.pool!.execute(rowsOf(0, 1), 1), { code: 'GW_MODEL_INSTANCE_FAILED', statusCode: 503 })
})

t.test('auto: the probe decides, against the threshold; serving.json beats the config, the config beats the probe', async (t) => {
  const heavy = store({ kind: 'auto', count: 3, workerThresholdMs: 0, runTimeoutMs: 30_000 })
  const light = store({ kind: 'auto', count: 3, workerThresholdMs: 60_000, runTimeoutMs: 30_000 })
  t.teardown(() => Promise.all([heavy.close(), light.close()]))
  const h = await heavy.load(dirOf('iris'))
  t.match(h.instances.plan, { kind: 'worker', count: 3, source: 'probe', probeRows: 8 })
  t.ok(h.instances.plan.probeMs! > 0, 'the probe was timed')
  t.equal(h.instances.pool!.live, 3)
  const l = await light.load(dirOf('iris'))
  t.match(l.instances.plan, { kind: 'main', count: 1, source: 'probe' })
  t.equal(l.instances.pool, null)

  const probe = async () => 12
  t.same(await planInstances({}, { kind: 'auto', count: 2, workerThresholdMs: 5, runTimeoutMs: 1 }, probe, 64), { kind: 'worker', count: 2, probeMs: 12, probeRows: 64, source: 'probe' })
  t.same(await planInstances({}, { kind: 'auto', count: 2, workerThresholdMs: 20, runTimeoutMs: 1 }, probe, 64), { kind: 'main', count: 1, probeMs: 12, probeRows: 64, source: 'probe' })
  t.same(await planInstances({}, { kind: 'worker', count: 2, workerThresholdMs: 20, runTimeoutMs: 1 }, probe, 64), { kind: 'worker', count: 2, probeMs: null, probeRows: 64, source: 'config' })
  t.same(await planInstances({ kind: 'main' }, { kind: 'worker', count: 2, workerThresholdMs: 20, runTimeoutMs: 1 }, probe, 64), { kind: 'main', count: 1, probeMs: null, probeRows: 64, source: 'serving.json' })
  t.same(await planInstances({ instances: 4 }, { kind: 'auto', count: 2, workerThresholdMs: 5, runTimeoutMs: 1 }, probe, 64), { kind: 'worker', count: 4, probeMs: 12, probeRows: 64, source: 'probe' })
})

t.test('bad instance settings in serving.json fail the load, naming the field', async (t) => {
  t.throws(() => checkInstanceSettings({ kind: 'gpu' }), { message: 'serving.json: kind must be "main" or "worker", got "gpu"' })
  t.throws(() => checkInstanceSettings({ instances: 0 }), { message: 'serving.json: instances must be an integer from 1 to 64, got 0' })
  t.throws(() => checkInstanceSettings({ instances: 1.5 }), { message: /instances must be an integer/ })
  t.throws(() => checkInstanceSettings({ kind: 'main', instances: 2 }), { message: /kind "main" has one instance/ })
  t.same(checkInstanceSettings({ kind: 'worker', instances: 2, max_batch_size: 4 }), { kind: 'worker', instances: 2 })
  const s = store()
  t.teardown(() => s.close())
  await t.rejects(s.load(dirOf('iris'), { kind: 'gpu' } as never), { code: 'GW_MODEL_LOAD_FAILED', statusCode: 500, message: /serving\.json: kind must be "main" or "worker"/ })
  t.throws(() => s.get('iris'), { code: 'GW_MODEL_UNAVAILABLE', message: /serving\.json: kind/ })
})
