// The README's curl examples, run for real: every ```bash block's `curl` command (with its
// continuation lines) is run by bash against a gateway started with the embedded defaults, and its
// answer is shown under it as `#> ` lines. scripts/readme-examples.ts rewrites them;
// test/scripts/readme-examples.test.ts fails when they drift from what the gateway answers.
// Shown answers are made stable: values that change on every run (times, dates, ids) become "…",
// floats keep 7 significant digits (float32 precision) and are compared within 1e-5, long answers
// keep their first lines.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { buildApp } from '../../app.js'
import { projectRoot } from '../../services/lib/project-root.js'

export const README_BASE = 'http://127.0.0.1:3000'
const OUTPUT = '#> '
const WIDTH = 96
const MAX_LINES = 8
// Keys whose values differ from run to run: times, durations, dates, uptimes, request ids, and the
// prediction log's flush counters (it flushes on a timer).
const VOLATILE = /(_ms|_seconds|_at|At|^uptime.*|^timestamp|^time|^started|^duration.*|^latency.*|^request_id|^id|^flushes|^written|^buffered)$/

export interface Example { command: string, start: number, end: number }

/** The curl commands of the ```bash blocks: line `start` to `end` (exclusive) holds the command and its shown output. */
export function findExamples (lines: string[]): Example[] {
  const examples: Example[] = []
  let inBash = false
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('```')) { inBash = !inBash && lines[i].trim() === '```bash'; continue }
    if (!inBash || !lines[i].startsWith('curl ')) continue
    const start = i
    let command = lines[i]
    // Continued by a trailing backslash or by a quoted argument still open.
    while (i + 1 < lines.length && (lines[i].endsWith('\\') || (command.split("'").length - 1) % 2 === 1)) command += '\n' + lines[++i]
    let end = i + 1
    while (end < lines.length && lines[end].startsWith(OUTPUT.trimEnd())) end++
    examples.push({ command, start, end })
  }
  return examples
}

const round = (x: number) => Number.isInteger(x) ? x : Number(x.toPrecision(7))

function stable (value: unknown, key = ''): unknown {
  if (VOLATILE.test(key) && (value === null || typeof value !== 'object')) return '…'
  if (typeof value === 'number') return round(value)
  if (Array.isArray(value)) return value.map((v) => stable(v))
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stable(v, k)]))
  return value
}

/** Breaks compact JSON after a comma (outside strings, before a key, string or object, never inside a number array) once a line passes WIDTH characters. */
function wrapJson (text: string): string[] {
  const lines: string[] = []
  let line = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    line += c
    if (c === '"' && text[i - 1] !== '\\') inString = !inString
    if (!inString && c === ',' && (text[i + 1] === '"' || text[i + 1] === '{') && line.length >= WIDTH) { lines.push(line); line = '' }
  }
  if (line !== '') lines.push(line)
  return lines
}

/** The answer as shown in the README: `#> ` lines, stable across runs. */
export function render (stdout: string, port: number): string[] {
  // The port and the checkout's path are this run's, not the reader's.
  const text = stdout.replaceAll(`127.0.0.1:${port}`, '127.0.0.1:3000').replaceAll(pathToFileURL(projectRoot).href, 'file:///…').trimEnd()
  let lines: string[]
  try {
    lines = wrapJson(JSON.stringify(stable(JSON.parse(text))))
  } catch {
    lines = text.split('\n').map((l) => l.replace(/-?\d+\.\d+(e-?\d+)?/g, (n) => String(round(Number(n)))))
  }
  if (lines.length > MAX_LINES) lines = [...lines.slice(0, MAX_LINES), '…']
  return lines.map((l) => OUTPUT + l)
}

/** Runs each example's command with bash against a gateway on an ephemeral port; one rendered answer per example. */
export async function runExamples (examples: Example[]): Promise<string[][]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-readme-'))
  // The embedded defaults: no Redis, MLflow, Triton, TF Serving; Ollama at its default address.
  // A generous plugin timeout only: a loaded CI machine can take more than the default to load the models.
  const app = await buildApp({ env: { PORT: '0', GRPC_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', PLUGIN_TIMEOUT_MS: '300000' }, logger: false })
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = (app.server.address() as { port: number }).port
    const run = promisify(execFile)
    const answers: string[][] = []
    for (const e of examples) {
      const command = e.command.replaceAll(README_BASE, `http://127.0.0.1:${port}`)
      const { stdout } = await run('bash', ['-c', command], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 })
      answers.push(render(stdout, port))
    }
    return answers
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The README with every example's shown answer replaced by `answers` (same order as findExamples). */
export function rewrite (lines: string[], examples: Example[], answers: string[][]): string[] {
  const out = [...lines]
  for (let k = examples.length - 1; k >= 0; k--) {
    const e = examples[k]
    const commandEnd = e.start + e.command.split('\n').length
    out.splice(commandEnd, e.end - commandEnd, ...answers[k])
  }
  return out
}

/** The shown answer of each example as the README has it now. */
export function shownAnswers (lines: string[], examples: Example[]): string[][] {
  return examples.map((e) => lines.slice(e.start + e.command.split('\n').length, e.end))
}

const NUMBER = /-?\d+(\.\d+)?(e-?\d+)?/g

/** Equal text, with numbers equal within 1e-5 (relative, or absolute near zero): floats differ in their last digits across CPUs. */
export function sameAnswer (shown: string[], actual: string[]): boolean {
  if (shown.length !== actual.length) return false
  return shown.every((line, i) => {
    const a = actual[i]
    if (line.replace(NUMBER, '#') !== a.replace(NUMBER, '#')) return false
    const x = line.match(NUMBER) ?? []
    const y = a.match(NUMBER) ?? []
    return x.every((n, j) => Math.abs(Number(n) - Number(y[j])) <= 1e-5 * Math.max(1, Math.abs(Number(n))))
  })
}
