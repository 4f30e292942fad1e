// The embedded registry on its own: concurrent registrations and alias moves, atomic files,
// sha256 verification, error codes.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import onnxProto from 'onnx-proto'
import { createEmbeddedRegistry } from '../../../services/registry/embedded.js'
import { withDirLock } from '../../../services/registry/locks.js'

// Registration admits only ONNX that loads: distinct artifacts are the iris model with another producer_version.
const iris = onnxProto.onnx.ModelProto.decode(await readFile(new URL('../../../models/iris/1/model.onnx', import.meta.url)))
const bytes = (n: number) => onnxProto.onnx.ModelProto.encode({ ...iris, producerVersion: `model-${n}` }).finish()

async function tempRegistry (tt: { teardown: (fn: () => Promise<void>) => void }) {
  const root = await mkdtemp(join(tmpdir(), 'gw-reg-'))
  tt.teardown(() => rm(root, { recursive: true, force: true }))
  return { root, reg: createEmbeddedRegistry(root) }
}

t.test('concurrent registrations get distinct consecutive versions, each complete', async (t) => {
  const { root, reg } = await tempRegistry(t)
  const created = await Promise.all(Array.from({ length: 12 }, (_, i) => reg.createVersion('m', { onnx: bytes(i), metadata: { i }, metrics: { accuracy: i } })))
  t.same(created.map((v) => Number(v.version)).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1))
  const entries = await readdir(join(root, 'm'))
  t.same(entries.filter((e) => e.startsWith('.tmp')), [], 'no temp directories left behind')
  for (const v of created) {
    const meta = JSON.parse(await readFile(join(root, 'm', v.version, 'metadata.json'), 'utf8'))
    t.equal(meta.sha256, v.sha256)
    t.equal((await reg.getVersion('m', v.version)).metrics.accuracy, meta.i)
  }
  const [model] = await reg.listModels()
  t.same(model, { name: 'm', latest_version: '12', aliases: {}, versions: 12 })
})

t.test('concurrent alias moves serialize: one valid aliases.json and a gap-free history', async (t) => {
  const { root, reg } = await tempRegistry(t)
  for (let i = 0; i < 4; i++) await reg.createVersion('m', { onnx: bytes(i), metadata: {} })
  const targets = Array.from({ length: 40 }, (_, i) => String((i % 4) + 1))
  const previous = await Promise.all(targets.map((v) => reg.setAlias('m', 'production', v)))
  t.equal(previous[0], null, 'the first move creates the alias')
  // Queued in call order: each move's "previous" is the target of the move before it.
  t.same(previous.slice(1), targets.slice(0, -1))
  t.equal(await reg.getAlias('m', 'production'), targets[targets.length - 1])
  const history = await reg.aliasHistory('m')
  t.equal(history.length, 40)
  for (let i = 1; i < history.length; i++) t.equal(history[i].from, history[i - 1].to)
  t.same(JSON.parse(await readFile(join(root, 'm', 'aliases.json'), 'utf8')), { production: targets[39] })
  t.same((await readdir(join(root, 'm'))).filter((e) => e.includes('.tmp')), [], 'no temp files left behind')
  t.same((await reg.getVersion('m', targets[39])).aliases, ['production'])
  t.equal(await reg.deleteAlias('m', 'production'), targets[39])
  await t.rejects(reg.getAlias('m', 'production'), { code: 'GW_REGISTRY_ALIAS_NOT_FOUND', statusCode: 404 })
  t.match((await reg.aliasHistory('m')).at(-1), { alias: 'production', from: targets[39], to: null })
})

t.test('an artifact whose sha256 differs from the registered one is refused', async (t) => {
  const { root, reg } = await tempRegistry(t)
  const v = await reg.createVersion('m', { onnx: bytes(1), metadata: {} })
  t.equal(await reg.fetchArtifact('m', '1'), join(root, 'm', '1'))
  await writeFile(join(root, 'm', '1', 'model.onnx'), 'tampered')
  await t.rejects(reg.fetchArtifact('m', '1'), { code: 'GW_REGISTRY_INTEGRITY', statusCode: 502, message: new RegExp(`registered ${v.sha256}`) })
})

t.test('errors: unknown model, version, alias, bad names and stages', async (t) => {
  const { reg } = await tempRegistry(t)
  await t.rejects(reg.listVersions('nope'), { code: 'GW_REGISTRY_MODEL_NOT_FOUND', statusCode: 404 })
  await reg.createVersion('m', { onnx: bytes(1), metadata: {} })
  await t.rejects(reg.getVersion('m', '9'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
  await t.rejects(reg.setAlias('m', 'production', '9'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
  await t.rejects(reg.getAlias('m', 'staging'), { code: 'GW_REGISTRY_ALIAS_NOT_FOUND' })
  await t.rejects(reg.createVersion('../x', { onnx: bytes(1), metadata: {} }), { code: 'GW_BAD_REQUEST', statusCode: 400 })
  await t.rejects(reg.setStage('m', '1', 'Live'), { code: 'GW_BAD_REQUEST', statusCode: 400 })
  t.equal((await reg.setStage('m', '1', 'Production')).stage, 'Production')
  t.equal((await reg.getVersion('m', '1')).stage, 'Production')
})

t.test('two processes moving the same alias serialize through the lock directory: gap-free history', async (t) => {
  const { root, reg } = await tempRegistry(t)
  for (let i = 0; i < 3; i++) await reg.createVersion('m', { onnx: bytes(i), metadata: {} })
  const writer = join(new URL('../../fixtures/registry/alias-writer.ts', import.meta.url).pathname)
  const tsx = new URL('../../../node_modules/.bin/tsx', import.meta.url).pathname
  const run = promisify(execFile)
  const [a, b] = await Promise.all([run(tsx, [writer, root, 'm', 'production', '25', '3']), run(tsx, [writer, root, 'm', 'production', '25', '3'])])
  t.equal(JSON.parse(a.stdout).length + JSON.parse(b.stdout).length, 50)
  const history = await reg.aliasHistory('m')
  t.equal(history.length, 50, 'no move lost')
  t.equal(history[0].from, null)
  for (let i = 1; i < history.length; i++) t.equal(history[i].from, history[i - 1].to, `move ${i} saw the move before it`)
  t.equal(await reg.getAlias('m', 'production'), history[49].to)
  t.same((await readdir(join(root, 'm'))).filter((e) => e.startsWith('.')), [], 'no lock or temp entry left behind')
})

t.test('a lock left by a crashed writer is broken once stale; a live one makes a writer wait, then give up with 503', async (t) => {
  const { root, reg } = await tempRegistry(t)
  await reg.createVersion('m', { onnx: bytes(1), metadata: {} })
  const lock = join(root, 'm', '.lock')
  await mkdir(lock)
  const old = new Date(Date.now() - 60_000)
  await utimes(lock, old, old)
  t.equal(await reg.setAlias('m', 'production', '1'), null, 'a stale lock is broken')
  await mkdir(lock)
  await t.rejects(withDirLock(lock, async () => 'never', { waitMs: 100 }), { code: 'GW_REGISTRY_BUSY', statusCode: 503 })
  await rm(lock, { recursive: true })
})
