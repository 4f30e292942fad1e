// npm run registry:ship as a child process: --check names the stale files, a run rewrites them
// byte for byte. (Child-process test: left out of coverage, see test/coverage-map.mjs; the module
// it runs is covered in-process by ship-registry.test.ts.)
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'

const models = join(projectRoot, 'models')

t.test('the script checks and rewrites', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-ship-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const d of ['iris/1', 'iris_mlp/1']) await cp(join(models, d), join(dir, d), { recursive: true })
  const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'ship-registry.ts'), '--models-dir', dir, ...args])
  await t.rejects(run('--check'), { code: 1, stderr: /stale: iris\/1\/model\.onnx, .*run npm run registry:ship/ })
  const wrote = await run()
  t.match(wrote.stdout, /iris v1 \(forest, models\/iris\/1\): held-out accuracy 0\.9333 on 30 rows\niris v2 \(mlp, models\/iris_mlp\/1\): held-out accuracy 0\.9667 on 30 rows\nproduction -> v2\nwrote 10 files/)
  t.match((await run('--check')).stdout, /is up to date/)
  for (const f of ['version.json', 'model.onnx']) {
    t.ok((await readFile(join(dir, 'registry', 'iris', '2', f))).equals(await readFile(join(models, 'registry', 'iris', '2', f))), `iris/2/${f} as committed`)
  }
})
