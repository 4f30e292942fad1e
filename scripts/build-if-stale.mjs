// `npm start`'s prestart: runs `npm run build` (tsc) only when the sources changed since the last
// build, so a start with an up-to-date dist/ goes straight to `node dist/server.js`.
// "Changed" is a sha256 over the compiled sources and the settings that shape the output, compared
// with the one recorded in dist/.build-hash after the last successful build: content, not mtimes,
// so a git checkout that rewrites files with the same bytes does not rebuild.
// Plain JavaScript on purpose: it must run before anything is compiled, without tsx.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const STAMP = join(root, 'dist', '.build-hash')
// What tsconfig.build.json includes, plus the files that change what tsc emits.
const SOURCE_DIRS = ['plugins', 'routes', 'services', 'schemas', 'scripts']
const SOURCE_FILES = ['app.ts', 'server.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']

function tsFiles (dir) {
  let entries
  try { entries = readdirSync(dir, { withFileTypes: true }) } catch { return [] }
  return entries.flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return tsFiles(path)
    return e.name.endsWith('.ts') ? [path] : []
  })
}

function sourceHash () {
  const files = [...SOURCE_FILES.map((f) => join(root, f)), ...SOURCE_DIRS.flatMap((d) => tsFiles(join(root, d)))]
  const hash = createHash('sha256')
  for (const file of files.map((f) => relative(root, f)).sort()) {
    hash.update(`${file}\0`)
    try { hash.update(readFileSync(join(root, file))) } catch { hash.update('(missing)') }
    hash.update('\0')
  }
  return hash.digest('hex')
}

function builtHash () {
  try { return readFileSync(STAMP, 'utf8').trim() } catch { return null }
}

const current = sourceHash()
if (builtHash() === current) {
  process.stdout.write('dist/ is up to date with the sources: not rebuilding\n')
} else {
  process.stdout.write('sources changed since the last build (or no build yet): npm run build\n')
  const npm = process.env.npm_execpath
  // Under npm, run its own CLI with this node; alone (node scripts/build-if-stale.mjs), npm on PATH.
  const run = npm === undefined ? spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }) : spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: root, stdio: 'inherit' })
  if (run.status !== 0) process.exit(run.status ?? 1)
  writeFileSync(STAMP, `${current}\n`)
}
