// npm run batch -- --input prompts.txt|prompts.csv --output results.json [--concurrency N] [--gateway URL]
//                  [--model M] [--timeout-ms N] [--create-samples]
// Sends every prompt to the gateway's POST /api/v1/generate; re-running skips prompts already answered.
import { existsSync } from 'node:fs'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parseArgs } from 'node:util'
import { parsePrompts, runBatch, type BatchResult } from '../services/inference/batch.js'

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    output: { type: 'string', default: 'results.json' },
    concurrency: { type: 'string', default: '4' },
    gateway: { type: 'string', default: 'http://127.0.0.1:3000' },
    model: { type: 'string' },
    'timeout-ms': { type: 'string', default: '120000' },
    'create-samples': { type: 'boolean', default: false },
    csv: { type: 'boolean', default: false }
  }
})

if (values['create-samples']) {
  const prompts = ['What is machine learning?', 'Explain the difference between REST and gRPC.', 'What is an ONNX model?', 'Give three uses of Redis.', 'What does "semantic caching" mean?']
  await writeFile('sample_prompts.txt', prompts.join('\n') + '\n')
  await writeFile('sample_prompts.csv', 'id,prompt\n' + prompts.map((p, i) => `${i + 1},"${p.replace(/"/g, '""')}"`).join('\n') + '\n')
  console.log('wrote sample_prompts.txt and sample_prompts.csv')
  process.exit(0)
}
if (values.input === undefined) {
  console.error('usage: npm run batch -- --input prompts.txt|prompts.csv --output results.json [--concurrency N] [--gateway URL]')
  process.exit(2)
}

const format = values.csv || extname(values.input).toLowerCase() === '.csv' ? 'csv' : 'txt'
const prompts = parsePrompts(await readFile(values.input, 'utf8'), format)
const previous: BatchResult[] = existsSync(values.output) ? (JSON.parse(await readFile(values.output, 'utf8')) as { results: BatchResult[] }).results : []
const timeoutMs = Number(values['timeout-ms'])
const tty = process.stderr.isTTY === true
let lastPct = -1
let lastSave = Date.now()

async function save (results: BatchResult[], summary: unknown) {
  const tmp = `${values.output}.tmp`
  await writeFile(tmp, JSON.stringify({ summary, results }, null, 2))
  await rename(tmp, values.output!)
}

const { results, summary } = await runBatch({
  prompts,
  previous,
  concurrency: Number(values.concurrency),
  async generate (prompt) {
    const res = await fetch(`${values.gateway}/api/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      body: JSON.stringify({ prompt, ...(values.model === undefined ? {} : { model: values.model }) })
    })
    const body = await res.json() as { response?: string, message?: string, code?: string }
    if (!res.ok) throw new Error(`${res.status} ${body.code ?? ''}: ${body.message ?? ''}`.trim())
    return body.response ?? ''
  },
  async onResult (result, done, all) {
    const total = all.length
    // Saved as it goes (at most once a second), so an interrupted run resumes where it stopped.
    if (Date.now() - lastSave > 1000) { lastSave = Date.now(); await save(all, { partial: true }) }
    const pct = Math.floor((done / total) * 100)
    const bar = '#'.repeat(Math.round(pct / 5)).padEnd(20, '.')
    if (tty) process.stderr.write(`\r[${bar}] ${done}/${total} ${pct}%`)
    else if (pct >= lastPct + 10 || done === total) { process.stderr.write(`[${bar}] ${done}/${total} ${pct}%\n`); lastPct = pct }
    if (result.status === 'error' && !tty) process.stderr.write(`prompt ${result.index + 1} failed: ${result.error}\n`)
  }
})
if (tty) process.stderr.write('\n')
await save(results, summary)
console.log(`batch: ${summary.total} prompts, ${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.skipped} skipped (done before), ${summary.duration_ms} ms -> ${values.output}`)
process.exit(summary.failed > 0 ? 1 : 0)
