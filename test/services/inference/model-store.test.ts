import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { createModelStore } from '../../../services/inference/model-store.js'
import { projectRoot } from '../../../services/lib/project-root.js'

const store = () => createModelStore({
  sessionOptions: { interOpNumThreads: 1, intraOpNumThreads: 1 },
  batching: { enabled: false, maxBatchSize: 8, maxQueueSize: 8, maxQueueDelayMicros: 0 }
})

t.test('a version that is not ONNX is refused by the format gate, and is then reported unavailable', async (t) => {
  const dir = t.testdir({ iris: { 7: { 'model.onnx': 'not an onnx file' } } })
  const s = store()
  await t.rejects(s.load({ name: 'iris', version: '7', dir: join(dir, 'iris', '7') }), {
    code: 'GW_MODEL_FORMAT_UNSUPPORTED', statusCode: 415, message: /^Refused: the artifact is unrecognised bytes, not ONNX: /
  })
  t.throws(() => s.get('iris', '7'), { code: 'GW_MODEL_UNAVAILABLE', statusCode: 503, message: /^Model 'iris' version '7' is not loaded: / })
})

t.test('a missing file and a changed sha256 are load failures too, with the reason in the message', async (t) => {
  const dir = t.testdir({})
  await cp(join(projectRoot, 'models', 'iris', '1'), join(dir, '1'), { recursive: true })
  await writeFile(join(dir, '1', 'model.onnx'), 'changed')
  const s = store()
  await t.rejects(s.load({ name: 'iris', version: '1', dir: join(dir, '1') }), { code: 'GW_MODEL_LOAD_FAILED', message: /sha256 [0-9a-f]{64} does not match metadata\.json/ })
  await t.rejects(s.load({ name: 'iris', version: '2', dir: join(dir, '2') }), { code: 'GW_MODEL_LOAD_FAILED', message: /ENOENT/ })
})
