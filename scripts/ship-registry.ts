// Writes the registry the project ships, models/registry/iris, from the committed Iris models:
//   npm run registry:ship              rewrite the files (byte-identical when nothing changed)
//   npm run registry:ship -- --check   exit 1 naming every file that differs (what the test runs)
// Run it after `npm run train` replaces models/iris/1 or models/iris_mlp/1.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot } from '../services/lib/project-root.js'
import { buildShippedRegistry, SHIPPED_MODEL } from '../services/registry/shipped.js'

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, 'models-dir': { type: 'string' } }, strict: true })
const modelsDir = values['models-dir'] ?? join(projectRoot, 'models')
const root = join(modelsDir, 'registry')
const shipped = await buildShippedRegistry(modelsDir)

const same = async (path: string, want: Uint8Array | string) => {
  try {
    return Buffer.from(await readFile(join(root, path))).equals(Buffer.from(want))
  } catch { return false }
}

const stale: string[] = []
for (const [path, content] of shipped.files) if (!await same(path, content)) stale.push(path)

for (const v of shipped.versions) console.log(`${SHIPPED_MODEL} v${v.version} (${v.algorithm}, ${v.source}): held-out accuracy ${v.accuracy.toFixed(4)} on ${v.n_test} rows`)
console.log(`production -> v${shipped.production}`)
if (values.check) {
  if (stale.length > 0) {
    console.error(`stale: ${stale.join(', ')}; run npm run registry:ship`)
    process.exit(1)
  }
  console.log(`${root}/${SHIPPED_MODEL} is up to date`)
} else {
  // The whole model directory is rewritten, so versions added by hand or by the gateway go too.
  await rm(join(root, SHIPPED_MODEL), { recursive: true, force: true })
  for (const [path, content] of shipped.files) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), content)
  }
  console.log(`wrote ${shipped.files.size} files under ${join(root, SHIPPED_MODEL)}`)
}
