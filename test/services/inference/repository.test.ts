// The model repository behind Triton's load / unload, on a real model store and model directories.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createModelStore } from '../../../services/inference/model-store.js'
import { createModelRepository } from '../../../services/inference/repository.js'
import { projectRoot } from '../../../services/lib/project-root.js'

t.test('load, unload, reload and a broken model', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'gw-repo-'))
  t.teardown(() => rm(root, { recursive: true, force: true }))
  await cp(join(projectRoot, 'models', 'iris_mlp'), join(root, 'iris_mlp'), { recursive: true })
  await mkdir(join(root, 'broken', '1'), { recursive: true })
  await writeFile(join(root, 'broken', '1', 'model.onnx'), 'not a model')
  const store = createModelStore({ sessionOptions: {}, batching: { enabled: true, maxBatchSize: 64, maxQueueSize: 16, maxQueueDelayMicros: 0 } })
  t.teardown(() => store.close())
  const logged: string[] = []
  const repo = createModelRepository({ store, root, log: { info: (_o, msg) => logged.push(msg) } })

  t.same(await repo.load('iris_mlp'), ['1'])
  t.same(store.list().map((m) => `${m.name}/${m.version}`), ['iris_mlp/1'])
  t.same(await repo.unload('iris_mlp'), ['1'])
  t.same(store.list(), [])
  t.equal(repo.isUnloaded('iris_mlp'), true)
  t.same(repo.unloadedRows(), [{ name: 'iris_mlp', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' }])
  t.same(await repo.unload('iris_mlp'), [], 'unloading an unloaded model is a no-op')
  // Load and unload run one after the other, whatever order they are asked in.
  const [loaded, unloaded] = await Promise.all([repo.load('iris_mlp'), repo.unload('iris_mlp')])
  t.same([loaded, unloaded], [['1'], ['1']])
  await repo.load('iris_mlp')
  t.equal(repo.isUnloaded('iris_mlp'), false)
  t.same(logged.slice(0, 2), ['model loaded on request', 'model unloaded on request'])

  await t.rejects(repo.load('broken'), { statusCode: 503, code: 'GW_MODEL_UNAVAILABLE', message: /^Model 'broken' version '1' is not loaded: / })
  await t.rejects(repo.load('nope'), { statusCode: 404, code: 'GW_MODEL_NOT_FOUND' })
  await t.rejects(repo.unload('nope'), { statusCode: 404, code: 'GW_MODEL_NOT_FOUND' })
})
