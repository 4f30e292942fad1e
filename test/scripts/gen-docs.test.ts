// The generated blocks of docs/configuration.md and docs/endpoints.md must equal what `npm run docs`
// writes now: a new setting or route without a rerun fails here, naming the page and the fix.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ConfigSchema } from '../../schemas/config.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { generateBlocks, portablePath, readBlock, renderConfigTable, renderEndpoints, replaceBlock } from '../../scripts/gen-docs.js'

t.test('the generated blocks in docs/ are up to date', async (t) => {
  const blocks = await generateBlocks()
  t.same(blocks.map((b) => [b.file, b.name]), [['docs/configuration.md', 'config'], ['docs/endpoints.md', 'endpoints']])
  for (const block of blocks) {
    const page = await readFile(join(projectRoot, block.file), 'utf8')
    const current = readBlock(page, block.name)
    if (current === null) {
      t.fail(`${block.file} has no <!-- generated:${block.name} --> ... <!-- /generated:${block.name} --> markers`)
      continue
    }
    t.equal(current, block.content, current === block.content
      ? `${block.file}: the ${block.name} block is up to date`
      : `${block.file} is stale: its generated ${block.name} block differs from the sources; run \`npm run docs\` and commit the result`)
  }
})

t.test('the configuration table has one row per setting, machine paths made relative', async (t) => {
  const table = renderConfigTable(ConfigSchema as never)
  const rows = table.split('\n').slice(2)
  t.equal(rows.length, Object.keys(ConfigSchema.properties).length)
  t.equal(rows[1], '| `PORT` | integer | `3000` | 0 to 65535 | HTTP port (0: an ephemeral port) |')
  t.ok(rows.includes('| `MODELS_DIR` | string | `<project>/models` |  | ONNX models: &lt;name&gt;/&lt;version&gt;/model.onnx with metadata.json, metrics.json, reference.csv |'))
  t.ok(rows.includes('| `TRITON_PROTOCOL` | string | `http-binary` | `http-json`, `http-binary`, `grpc` | transport to Triton; the configured one when only TRITON_URL or TRITON_GRPC_URL is set |'))
  t.notMatch(table, projectRoot, 'no absolute path of this clone')
})

t.test('renderConfigTable formats defaults, ranges, enums, patterns, pipes and angle brackets', async (t) => {
  const table = renderConfigTable({
    properties: {
      A: { type: 'integer', default: 5, minimum: 1, maximum: 9, description: 'a | b' },
      B: { type: 'string', default: '' },
      C: { type: 'string', default: '/repo/data/x', minLength: 1, pattern: '^x$' },
      D: { type: 'boolean', default: false },
      E: { type: 'string', enum: ['p', 'q'], default: 'p' },
      F: { type: 'number', maximum: 2 },
      G: { type: 'string', default: 'g', description: 'dir <name>/x, or `<code>`' }
    }
  }, '/repo')
  t.equal(table, [
    '| variable | type | default | allowed | description |',
    '|---|---|---|---|---|',
    '| `A` | integer | `5` | 1 to 9 | a \\| b |',
    '| `B` | string | (empty) |  |  |',
    '| `C` | string | `<project>/data/x` | non-empty; matches `^x$` |  |',
    '| `D` | boolean | `false` | `true`, `false` |  |',
    '| `E` | string | `p` | `p`, `q` |  |',
    '| `F` | number | (required) | ≤ 2 |  |',
    '| `G` | string | `g` |  | dir &lt;name&gt;/x, or `<code>` |'
  ].join('\n'))
  t.equal(portablePath('/repo', '/repo'), '<project>')
  t.equal(portablePath('/repository/x', '/repo'), '/repository/x', 'only paths inside the root')
})

t.test('renderEndpoints groups by first tag: declared tags first, then the others, then untagged', async (t) => {
  const text = renderEndpoints({
    tags: [{ name: 'health', description: 'Liveness' }],
    paths: {
      '/b': { post: { summary: 'Make b', tags: ['llm', 'cache'] }, get: { summary: 'Read b', tags: ['llm'] } },
      '/a': { get: { summary: 'A | pipe', tags: ['llm'] } },
      '/health': { get: { summary: 'Health', tags: ['health'] } },
      '/z': { delete: { description: 'No summary' } }
    }
  })
  t.equal(text, [
    '5 operations. Sections: [health](#health), [llm](#llm), [other](#other).',
    '',
    '### health',
    '',
    'Liveness',
    '',
    '| method | path | summary | tags |',
    '|---|---|---|---|',
    '| GET | `/health` | Health | health |',
    '',
    '### llm',
    '',
    '| method | path | summary | tags |',
    '|---|---|---|---|',
    '| GET | `/a` | A \\| pipe | llm |',
    '| GET | `/b` | Read b | llm |',
    '| POST | `/b` | Make b | llm, cache |',
    '',
    '### other',
    '',
    '| method | path | summary | tags |',
    '|---|---|---|---|',
    '| DELETE | `/z` | No summary |  |'
  ].join('\n'))
})

t.test('replaceBlock rewrites only between the markers and refuses a page without them', async (t) => {
  const page = 'intro\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nafter\n'
  const next = replaceBlock(page, 'x', 'new\nrows')
  t.equal(next, 'intro\n<!-- generated:x -->\nnew\nrows\n<!-- /generated:x -->\nafter\n')
  t.equal(readBlock(next, 'x'), 'new\nrows')
  t.equal(replaceBlock(next, 'x', 'new\nrows'), next, 'idempotent')
  t.equal(readBlock(page, 'y'), null)
  t.throws(() => replaceBlock(page, 'y', 'z'), { message: 'expected one "<!-- generated:y -->" ... "<!-- /generated:y -->" pair' })
  t.throws(() => replaceBlock(page + page, 'x', 'z'), { message: /expected one/ })
})
