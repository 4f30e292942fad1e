// Offline batch inference (seed phase 1): many prompts through the gateway with bounded concurrency.
// Per-prompt failures are recorded, never fatal; results already done are skipped on a re-run.
export interface BatchResult {
  index: number
  prompt: string
  status: 'ok' | 'error'
  response?: string
  error?: string
  latency_ms: number
}

export interface BatchSummary { total: number, succeeded: number, failed: number, skipped: number, duration_ms: number }

/** Prompts from a .txt file (one a line) or a .csv file (a `prompt` column, RFC 4180 quoting). */
export function parsePrompts (text: string, format: 'txt' | 'csv'): string[] {
  if (format === 'txt') return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const rows = parseCsv(text)
  const header = rows.shift()?.map((h) => h.trim().toLowerCase()) ?? []
  const col = header.indexOf('prompt')
  if (col < 0) throw new Error(`CSV has no "prompt" column (columns: ${header.join(', ')})`)
  return rows.map((r) => (r[col] ?? '').trim()).filter((p) => p !== '')
}

function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(field); rows.push(row); row = []; field = ''
    } else field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows.filter((r) => r.some((f) => f !== ''))
}

export async function runBatch (opts: {
  prompts: string[]
  previous: BatchResult[]
  concurrency: number
  generate: (prompt: string) => Promise<string>
  onResult?: (result: BatchResult, done: number, results: BatchResult[]) => void | Promise<void>
  now?: () => number
}): Promise<{ results: BatchResult[], summary: BatchSummary }> {
  const now = opts.now ?? (() => performance.now())
  const start = now()
  const results: BatchResult[] = opts.prompts.map((prompt, index) => {
    const before = opts.previous.find((r) => r.index === index && r.prompt === prompt && r.status === 'ok')
    return before ?? { index, prompt, status: 'error', error: 'not run', latency_ms: 0 }
  })
  const todo = results.filter((r) => r.error === 'not run')
  let done = results.length - todo.length
  let next = 0
  async function worker () {
    while (next < todo.length) {
      const item = todo[next++]
      const t0 = now()
      try {
        const response = await opts.generate(item.prompt)
        Object.assign(item, { status: 'ok', response, error: undefined })
      } catch (err) {
        Object.assign(item, { status: 'error', error: (err as Error).message, response: undefined })
      }
      item.latency_ms = Math.round((now() - t0) * 100) / 100
      done++
      await opts.onResult?.(item, done, results)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, todo.length)) }, worker))
  return {
    results,
    summary: {
      total: results.length,
      succeeded: results.filter((r) => r.status === 'ok').length,
      failed: results.filter((r) => r.status === 'error').length,
      skipped: results.length - todo.length,
      duration_ms: Math.round(now() - start)
    }
  }
}
