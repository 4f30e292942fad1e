// An Ollama-protocol double (Ollama cannot be installed here), following reference/llm_gateways.md
// section 1: non-streaming /api/generate and /api/chat with the final-chunk fields in nanoseconds,
// /api/embed with L2-normalised 384-d vectors, 404 `model '<name>' not found`, GET / health text.
// Embeddings are bag-of-words over hashed word vectors, with a few synonyms folded together, so a
// paraphrase ("What is AI?" / "What is artificial intelligence?") embeds above 0.9.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Test } from 'tap'

const SYNONYMS: Record<string, string> = { artificial: 'ai', intelligence: 'ai', explain: 'what', describe: 'what', define: 'what' }

function wordVector (word: string, dims: number): Float64Array {
  let h = 2166136261
  for (const ch of word) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0
  const v = new Float64Array(dims)
  for (let i = 0; i < dims; i++) { h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0; v[i] = (h / 4294967296) - 0.5 }
  return v
}

export function doubleEmbedding (text: string, dims = 384): number[] {
  const sum = new Float64Array(dims)
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const v = wordVector(SYNONYMS[w] ?? w, dims)
    for (let i = 0; i < dims; i++) sum[i] += v[i]
  }
  const norm = Math.sqrt(sum.reduce((s, x) => s + x * x, 0)) || 1
  return Array.from(sum, (x) => x / norm)
}

export interface OllamaDouble { url: string, calls: Record<string, number>, mode: { doneReason: string, latencyMs: number } }

async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw = ''
  for await (const chunk of req) raw += chunk
  return JSON.parse(raw) as Record<string, unknown>
}

export async function startOllamaDouble (t: Test, models = ['tinyllama:latest', 'all-minilm:latest']): Promise<OllamaDouble> {
  const calls: Record<string, number> = {}
  const mode = { doneReason: 'stop', latencyMs: 0 }
  const known = (m: unknown) => typeof m === 'string' && models.includes(m.includes(':') ? m : `${m}:latest`)
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && req.url === '/') { res.end('Ollama is running'); return }
    readJson(req).then(async (body) => {
      calls[req.url ?? ''] = (calls[req.url ?? ''] ?? 0) + 1
      if (!known(body.model)) return send(404, { error: `model '${String(body.model)}' not found` })
      await new Promise((resolve) => setTimeout(resolve, mode.latencyMs))
      const created_at = new Date().toISOString()
      const final = { done: true, done_reason: mode.doneReason, total_duration: 5_000_000, load_duration: 1_000_000, prompt_eval_count: 8, prompt_eval_duration: 1_000_000, eval_count: 12, eval_duration: 3_000_000 }
      if (req.url === '/api/generate') return send(200, { model: body.model, created_at, response: `Answer to: ${String(body.prompt)}`, ...final, context: [1, 2, 3] })
      if (req.url === '/api/chat') {
        const messages = body.messages as Array<{ content: string }>
        return send(200, { model: body.model, created_at, message: { role: 'assistant', content: `Answer to: ${messages.at(-1)?.content ?? ''}` }, ...final })
      }
      if (req.url === '/api/embed') {
        const input = Array.isArray(body.input) ? body.input as string[] : [String(body.input)]
        return send(200, { model: body.model, embeddings: input.map((s) => doubleEmbedding(s)), total_duration: 2_000_000, load_duration: 100_000, prompt_eval_count: input.length * 4 })
      }
      send(404, { error: 'not found' })
    }).catch(() => send(400, { error: 'missing request body' }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, calls, mode }
}
