// What keeps `npm ci` quiet and offline apart from the npm registry: onnxruntime-node's install
// script skipped in the two ways it supports, and no dependency whose engines exclude our Node range.
import { execFile } from 'node:child_process'
import { access, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import semver from 'semver'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'

const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8'))

t.test('onnxruntime-node: install script denied by allowScripts, ONNXRUNTIME_NODE_INSTALL=skip for older npm, no .npmrc', async (t) => {
  await t.rejects(access(join(projectRoot, '.npmrc')), { code: 'ENOENT' }, 'no .npmrc: npm warns about unknown project config keys')
  t.equal(pkg.allowScripts['onnxruntime-node'], false)
  for (const name of ['esbuild', 'protobufjs', '@portkey-ai/gateway']) t.equal(pkg.allowScripts[name], true, `${name}'s script still runs`)
  t.match(await readFile(join(projectRoot, '.ci', 'run'), 'utf8'), /\nexport ONNXRUNTIME_NODE_INSTALL=skip\nnpm ci /)
  // The package's own switch: with it, its script exits at once (no NuGet request) and succeeds.
  const ort = join(projectRoot, 'node_modules', 'onnxruntime-node')
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ort, 'script', 'install.js')], { cwd: ort, env: { PATH: process.env.PATH, ONNXRUNTIME_NODE_INSTALL: 'skip' }, timeout: 60_000 })
  t.equal(stdout + stderr, '')
  t.match(pkg.scripts, { prestart: 'node scripts/build-if-stale.mjs', start: 'node dist/server.js' })
})

t.test('every installed package accepts the oldest Node that engines allows', async (t) => {
  const oldest = semver.minVersion(pkg.engines.node)?.version as string
  t.equal(oldest, '20.19.0')
  const refused: string[] = []
  async function walk (dir: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue
      const path = join(dir, e.name)
      if (e.name.startsWith('@')) { await walk(path); continue }
      const manifest = await readFile(join(path, 'package.json'), 'utf8').then(JSON.parse, () => null)
      const range = manifest?.engines?.node
      if (typeof range === 'string' && semver.validRange(range) !== null && !semver.satisfies(oldest, range)) refused.push(`${manifest.name}@${manifest.version} wants node ${range}`)
      await walk(join(path, 'node_modules'))
    }
  }
  await walk(join(projectRoot, 'node_modules'))
  t.same(refused, [])
})
