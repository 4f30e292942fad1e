// npm start's prestart (scripts/build-if-stale.mjs): builds only when the sources changed since the
// last successful build. Run in a scratch project whose `build` script only counts its runs, so
// the test measures the decision, not tsc.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'

t.test('builds when there is no build or a source changed, not otherwise; a failed build is not recorded', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-prestart-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const d of ['scripts', 'services', 'dist']) await mkdir(join(dir, d))
  await copyFile(join(projectRoot, 'scripts', 'build-if-stale.mjs'), join(dir, 'scripts', 'build-if-stale.mjs'))
  const build = "node -e \"const f=require('fs');const n=f.existsSync('builds')?Number(f.readFileSync('builds','utf8')):0;f.writeFileSync('builds',String(n+1));process.exit(f.existsSync('fail')?1:0)\""
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, scripts: { build } }))
  await writeFile(join(dir, 'app.ts'), 'export const a = 1\n')
  await writeFile(join(dir, 'services', 'x.ts'), 'export const x = 1\n')
  const prestart = () => promisify(execFile)(process.execPath, [join(dir, 'scripts', 'build-if-stale.mjs')], { cwd: dir, env: { ...process.env, npm_execpath: undefined } })
  const builds = async () => Number(await readFile(join(dir, 'builds'), 'utf8'))

  t.match((await prestart()).stdout, /no build yet\): npm run build/)
  t.equal(await builds(), 1)
  t.match(await readFile(join(dir, 'dist', '.build-hash'), 'utf8'), /^[0-9a-f]{64}\n$/)
  t.match((await prestart()).stdout, /dist\/ is up to date with the sources: not rebuilding/)
  t.equal(await builds(), 1, 'nothing changed: no build')

  await writeFile(join(dir, 'services', 'x.ts'), 'export const x = 1\n') // same bytes, new mtime
  await prestart()
  t.equal(await builds(), 1, 'content, not mtimes')
  await writeFile(join(dir, 'services', 'x.ts'), 'export const x = 2\n')
  await prestart()
  t.equal(await builds(), 2, 'a changed source rebuilds')
  await writeFile(join(dir, 'services', 'y.ts'), 'export const y = 1\n')
  await prestart()
  t.equal(await builds(), 3, 'a new source rebuilds')

  await writeFile(join(dir, 'fail'), '')
  await writeFile(join(dir, 'app.ts'), 'export const a = 2\n')
  await t.rejects(prestart(), { code: 1 }, 'a failing build fails the start')
  await rm(join(dir, 'fail'))
  await prestart()
  t.equal(await builds(), 5, 'and is retried on the next start')
})
