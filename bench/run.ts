// npm run bench [-- --only classify,llm] [--duration 10]
// The soak (10 minutes by default) runs only when named: npm run bench -- --only soak [--duration 60]
// Builds the gateway, runs each bench module (each starts its own processes), prints one markdown
// table and writes the rows to bench/results/.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { root, type BenchModule, type BenchRow } from './lib.js'

const { values } = parseArgs({ options: { only: { type: 'string' }, duration: { type: 'string' }, 'no-build': { type: 'boolean', default: false } } })
const durationSec = Number(values.duration ?? 10)
const available = readdirSync(join(root, 'bench')).filter((f) => f.endsWith('.ts') && !['lib.ts', 'run.ts'].includes(f) && !f.includes('server') && !f.startsWith('_')).map((f) => f.slice(0, -3))
const selected = values.only === undefined ? available.filter((name) => name !== 'soak') : values.only.split(',')

if (!values['no-build']) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })

const rows: BenchRow[] = []
for (const name of selected) {
  if (!available.includes(name)) throw new Error(`no bench module "${name}" (have: ${available.join(', ')})`)
  process.stderr.write(`bench: ${name} (${durationSec}s per run)\n`)
  const mod = (await import(join(root, 'bench', `${name}.ts`))) as { default: BenchModule }
  rows.push(...(await mod.default({ durationSec, durationGiven: values.duration !== undefined })))
}

const fmt = (n: number | undefined, digits = 2) => n === undefined ? '' : Number.isInteger(n) ? String(n) : n.toFixed(digits)
const lines = [
  '| scenario | target | conns | req/s | rows/s | p50 ms | p99 ms | ratio | vs | errors | non-2xx | note |',
  '|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  ...rows.map((r) => `| ${r.scenario} | ${r.target} | ${r.connections} | ${r.requests_per_sec} | ${fmt(r.rows_per_sec)} | ${fmt(r.p50_ms)} | ${fmt(r.p99_ms)} | ${fmt(r.ratio)} | ${r.baseline ?? ''} | ${r.errors} | ${r.non_2xx} | ${r.note ?? ''} |`)
]
console.log(lines.join('\n'))
mkdirSync(join(root, 'bench', 'results'), { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const payload = JSON.stringify({ date: new Date().toISOString(), durationSec, node: process.version, rows }, null, 2)
writeFileSync(join(root, 'bench', 'results', `${stamp}.json`), payload)
writeFileSync(join(root, 'bench', 'results', 'latest.json'), payload)
