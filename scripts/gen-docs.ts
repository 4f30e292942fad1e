// `npm run docs`: rewrites the generated blocks of docs/configuration.md (from the config schema)
// and docs/endpoints.md (from the app's OpenAPI document). Everything between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` is replaced; the rest of each page is prose.
// Output depends only on the sources (no clock, no machine paths, fixed order), so
// test/scripts/gen-docs.test.ts can compare it with the committed pages.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ConfigSchema } from '../schemas/config.js'
import { projectRoot } from '../services/lib/project-root.js'

export interface GeneratedBlock {
  /** Page, relative to the project root. */
  file: string
  /** Marker name: the block sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
  name: string
  content: string
}

interface JsonSchema {
  type?: string
  default?: unknown
  description?: string
  enum?: unknown[]
  minimum?: number
  maximum?: number
  minLength?: number
  pattern?: string
}

/** A table cell: pipes escaped, line breaks folded, so one value never breaks the row. */
function cell (text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ')
}

/** Prose in a cell: also `<` and `>` outside code spans, which markdown would take for HTML tags. */
function prose (text: string): string {
  return cell(text.split('`').map((part, i) => i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')).join('`'))
}

/** Defaults under the project root print as `<project>/...`, the same on every clone. */
export function portablePath (value: string, root: string = projectRoot): string {
  if (value === root) return '<project>'
  if (value.startsWith(root + sep)) return '<project>/' + relative(root, value).split(sep).join('/')
  return value
}

function formatDefault (value: unknown, root: string, required = true): string {
  if (value === undefined) return required ? '(required)' : '(unset)'
  if (value === '') return '(empty)'
  return '`' + (typeof value === 'string' ? portablePath(value, root) : JSON.stringify(value)) + '`'
}

function formatAllowed (s: JsonSchema): string {
  if (s.enum !== undefined) return s.enum.map((v) => '`' + String(v) + '`').join(', ')
  const parts: string[] = []
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${s.minimum} to ${s.maximum}`)
  else if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`)
  else if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`)
  if (s.minLength !== undefined && s.minLength > 0) parts.push(s.minLength === 1 ? 'non-empty' : `at least ${s.minLength} characters`)
  if (s.pattern !== undefined) parts.push('matches `' + s.pattern + '`')
  if (s.type === 'boolean') parts.push('`true`, `false`')
  return parts.join('; ')
}

/** One markdown table row per variable, in the schema's order. */
export function renderConfigTable (schema: { properties: Record<string, JsonSchema>, required?: string[] }, root: string = projectRoot): string {
  const lines = [
    '| variable | type | default | allowed | description |',
    '|---|---|---|---|---|'
  ]
  for (const [name, s] of Object.entries(schema.properties)) {
    const type = s.type ?? 'any'
    lines.push(`| \`${name}\` | ${type} | ${cell(formatDefault(s.default, root, schema.required?.includes(name) ?? true))} | ${cell(formatAllowed(s))} | ${prose(s.description ?? '')} |`)
  }
  return lines.join('\n')
}

interface OpenApiOperation { summary?: string, description?: string, tags?: string[] }
export interface OpenApiDocument {
  tags?: Array<{ name: string, description?: string }>
  paths?: Record<string, Record<string, OpenApiOperation>>
}

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options']
const UNTAGGED = 'other'

/**
 * The endpoint index, one section per tag (an operation is listed under its first tag; the tags
 * column shows all of them). Sections: the tags the document declares, in its order, then the
 * others alphabetically, then untagged operations. Rows are sorted by path, then method.
 */
export function renderEndpoints (doc: OpenApiDocument): string {
  const groups = new Map<string, Array<{ method: string, path: string, op: OpenApiOperation }>>()
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method]
      if (op === undefined) continue
      const tag = op.tags?.[0] ?? UNTAGGED
      if (!groups.has(tag)) groups.set(tag, [])
      groups.get(tag)!.push({ method, path, op })
    }
  }
  const declared = (doc.tags ?? []).map((t) => t.name)
  const others = [...groups.keys()].filter((t) => !declared.includes(t) && t !== UNTAGGED).sort()
  const order = [...declared.filter((t) => groups.has(t)), ...others, ...(groups.has(UNTAGGED) ? [UNTAGGED] : [])]
  const byPathThenMethod = (a: { path: string, method: string }, b: { path: string, method: string }) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : METHODS.indexOf(a.method) - METHODS.indexOf(b.method)

  const total = [...groups.values()].reduce((n, rows) => n + rows.length, 0)
  const out: string[] = [`${total} operations. Sections: ${order.map((t) => `[${t}](#${t})`).join(', ')}.`]
  for (const tag of order) {
    const rows = groups.get(tag)!.sort(byPathThenMethod)
    out.push('', `### ${tag}`, '')
    const description = doc.tags?.find((t) => t.name === tag)?.description
    if (description !== undefined) out.push(prose(description), '')
    out.push('| method | path | summary | tags |', '|---|---|---|---|')
    for (const { method, path, op } of rows) {
      const summary = op.summary ?? op.description ?? ''
      out.push(`| ${method.toUpperCase()} | \`${path}\` | ${prose(summary)} | ${(op.tags ?? []).join(', ')} |`)
    }
  }
  return out.join('\n')
}

/**
 * The app's OpenAPI document, from a gateway built with fixed settings (never process.env): no gRPC
 * port, no prediction-log writer thread, a throw-away DATA_DIR, so the output is the same anywhere.
 */
export async function loadOpenApi (): Promise<OpenApiDocument> {
  const { buildApp } = await import('../app.js')
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-docs-'))
  const app = await buildApp({
    env: { LOG_LEVEL: 'silent', GRPC_ENABLED: 'false', PREDICTION_LOG_ENABLED: 'false', DATA_DIR: dataDir },
    logger: false
  })
  try {
    await app.ready()
    return app.swagger() as OpenApiDocument
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

export async function generateBlocks (): Promise<GeneratedBlock[]> {
  return [
    { file: 'docs/configuration.md', name: 'config', content: renderConfigTable(ConfigSchema as never) },
    { file: 'docs/endpoints.md', name: 'endpoints', content: renderEndpoints(await loadOpenApi()) }
  ]
}

/** The page with the named block's body replaced; throws when its markers are missing or repeated. */
export function replaceBlock (page: string, name: string, content: string): string {
  const open = `<!-- generated:${name} -->`
  const close = `<!-- /generated:${name} -->`
  const start = page.indexOf(open)
  const end = page.indexOf(close)
  if (start === -1 || end === -1 || end < start || page.indexOf(open, start + 1) !== -1) {
    throw new Error(`expected one "${open}" ... "${close}" pair`)
  }
  return page.slice(0, start + open.length) + '\n' + content + '\n' + page.slice(end)
}

/** The current body of a generated block (null when its markers are missing). */
export function readBlock (page: string, name: string): string | null {
  const open = `<!-- generated:${name} -->`
  const start = page.indexOf(open)
  const end = page.indexOf(`<!-- /generated:${name} -->`)
  if (start === -1 || end < start) return null
  return page.slice(start + open.length, end).replace(/^\n/, '').replace(/\n$/, '')
}

async function main (): Promise<void> {
  for (const block of await generateBlocks()) {
    const path = join(projectRoot, block.file)
    const before = await readFile(path, 'utf8')
    const after = replaceBlock(before, block.name, block.content)
    if (after === before) {
      console.log(`${block.file}: up to date`)
    } else {
      await writeFile(path, after)
      console.log(`${block.file}: rewrote the ${block.name} block`)
    }
  }
  const undocumented = Object.entries(ConfigSchema.properties as Record<string, JsonSchema>)
    .filter(([, s]) => s.description === undefined).map(([name]) => name)
  if (undocumented.length > 0) console.warn(`config variables without a description in schemas/config.ts: ${undocumented.join(', ')}`)
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => { console.error(err); process.exitCode = 1 })
}
