// An Ollama-protocol double for tests and benches only (the real Ollama: test/helpers/ollama-real.ts).
// It follows reference/llm_gateways.md section 1: NDJSON streaming with the final chunk's fields in
// nanoseconds, {"error"} bodies and mid-stream error lines, 404 for unknown models, /api/embed
// shapes. Answers are deterministic so tests can assert values: generate answers the prompt, chat
// answers the last user message and counts the user turns it was sent (so memory is visible).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'

// hang: every request (health probes included) is read and never answered, as by a SIGSTOPped
// Ollama; hang-embed: only /api/embed hangs; stall: a streamed answer sends its headers and first
// chunk, then nothing.
export type DoubleMode = 'ok' | 'error-mid-stream' | 'dead' | 'malformed' | 'busy' | 'hang' | 'hang-embed' | 'stall'

export interface DoubleOptions { latencyMs?: number, models?: string[], port?: number, dims?: number }

export interface Call { path: string, body: Record<string, any> }

// Embeddings are bag-of-words over hashed word vectors, with a few synonyms folded together, so a
// paraphrase ("What is AI?" / "What is artificial intelligence?") embeds above 0.9.
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
  const norm = Math.sqrt(sum.reduce((acc, x) => acc + x * x, 0)) || 1
  return Array.from(sum, (x) => x / norm)
}

/** Starts the double on a free port; with a tap Test it is closed at teardown. */
export async function startOllamaDouble (t: Test | null = null, opts: DoubleOptions = {}) {
  const models = opts.models ?? ['tinyllama:latest', 'all-minilm:latest', 'llama3.2:latest']
  const known = (m: unknown) => typeof m === 'string' && models.includes(m.includes(':') ? m : `${m}:latest`)
  /** kind: how the double misbehaves; doneReason: the final chunk's done_reason. */
  const mode = { kind: 'ok' as DoubleMode, doneReason: 'stop', latencyMs: opts.latencyMs ?? 0 }
  const calls: Record<string, number> = {}
  const log: Call[] = []
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  function final (model: string, promptTokens: number, evalCount: number) {
    return {
      done: true,
      done_reason: mode.doneReason,
      total_duration: 5_000_000 + evalCount * 1_000_000,
      load_duration: 1_000_000,
      prompt_eval_count: promptTokens,
      prompt_eval_duration: promptTokens * 100_000,
      eval_count: evalCount,
      eval_duration: evalCount * 1_000_000
    }
  }

  /** Requests received and not yet answered or abandoned, by path. */
  const pending: Record<string, number> = {}
  const received: Record<string, number> = {}

  async function handle (req: IncomingMessage, res: ServerResponse, raw: string) {
    const path = req.url ?? '/'
    received[path] = (received[path] ?? 0) + 1
    pending[path] = (pending[path] ?? 0) + 1
    res.on('close', () => { pending[path]-- })
    if (mode.kind === 'hang' || (mode.kind === 'hang-embed' && path === '/api/embed')) return
    if (req.method === 'GET' && path === '/') return send(res, 200, 'Ollama is running', 'text/plain')
    if (req.method === 'GET' && path === '/api/version') return send(res, 200, { version: '0.5.1' })
    if (req.method === 'GET' && path === '/api/tags') return send(res, 200, { models: [...models].map((name) => ({ name, model: name, size: 1, digest: 'sha256:0', details: { family: 'llama' } })) })
    let body: Record<string, any>
    try { body = raw === '' ? {} : JSON.parse(raw) } catch { return send(res, 400, { error: 'invalid character in request body' }) }
    log.push({ path, body })
    calls[path] = (calls[path] ?? 0) + 1
    if (mode.kind === 'dead') { req.socket.destroy(); return }
    if (mode.latencyMs > 0) await sleep(mode.latencyMs)
    if (mode.kind === 'busy') return send(res, 503, { error: 'server busy, please try again.  maximum pending requests exceeded' })
    if (mode.kind === 'malformed') return send(res, 200, '{"model": "tinyllama", "resp', 'application/json')
    if (path === '/v1/chat/completions') return openaiChat(res, body)
    if (!['/api/generate', '/api/chat', '/api/embed', '/api/embeddings'].includes(path)) return send(res, 404, '404 page not found', 'text/plain')
    if (body.model === undefined) return send(res, 400, { error: 'model is required' })
    if (!known(body.model)) return send(res, 404, { error: `model '${body.model}' not found` })
    const created = new Date().toISOString()
    if (path === '/api/embed') {
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input]
      return send(res, 200, { model: body.model, embeddings: input.map((s) => doubleEmbedding(s, opts.dims)), total_duration: 1_000_000, load_duration: 0, prompt_eval_count: input.length })
    }
    if (path === '/api/embeddings') return send(res, 200, { embedding: doubleEmbedding(String(body.prompt ?? ''), opts.dims) })

    const isChat = path === '/api/chat'
    const messages: Array<{ role: string, content: string }> = body.messages ?? []
    const userTurns = messages.filter((m) => m.role === 'user')
    const text = isChat
      ? `Answer to: ${userTurns.at(-1)?.content ?? ''} (turn ${userTurns.length})`
      : `Answer to: ${String(body.prompt ?? '')}`
    const promptTokens = isChat ? messages.reduce((n, m) => n + m.content.split(/\s+/).length, 0) : String(body.prompt ?? '').split(/\s+/).length
    const tokens = text.split(/(?<= )/)
    const piece = (delta: string) => isChat ? { message: { role: 'assistant', content: delta } } : { response: delta }
    if (body.stream === false) {
      return send(res, 200, { model: body.model, created_at: created, ...piece(text), ...final(body.model, promptTokens, tokens.length) })
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    for (const [i, token] of tokens.entries()) {
      if (mode.kind === 'stall' && i === 1) return
      if (mode.kind === 'error-mid-stream' && i === 2) {
        res.end(JSON.stringify({ error: 'the model failed to generate a response' }) + '\n')
        return
      }
      res.write(JSON.stringify({ model: body.model, created_at: created, ...piece(token), done: false }) + '\n')
    }
    res.end(JSON.stringify({ model: body.model, created_at: created, ...piece(''), ...final(body.model, promptTokens, tokens.length) }) + '\n')
  }

  // Ollama's OpenAI-compatible chat (what peers such as Portkey call): the same answer as /api/chat,
  // as one chat.completion or as SSE chunks ending in `data: [DONE]`.
  function openaiChat (res: ServerResponse, body: Record<string, any>) {
    if (!known(body.model)) return send(res, 404, { error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error', param: null, code: null } })
    const messages: Array<{ role: string, content: string }> = body.messages ?? []
    const userTurns = messages.filter((m) => m.role === 'user')
    const text = `Answer to: ${userTurns.at(-1)?.content ?? ''} (turn ${userTurns.length})`
    const promptTokens = messages.reduce((n, m) => n + m.content.split(/\s+/).length, 0)
    const tokens = text.split(/(?<= )/)
    const head = { id: 'chatcmpl-1', created: Math.floor(Date.now() / 1000), model: body.model, system_fingerprint: 'fp_ollama' }
    if (body.stream !== true) {
      return send(res, 200, {
        ...head,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: tokens.length, total_tokens: promptTokens + tokens.length }
      })
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    for (const token of tokens) res.write(chunk({ role: 'assistant', content: token }, null))
    res.end(chunk({ role: 'assistant', content: '' }, 'stop') + 'data: [DONE]\n\n')
  }

  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (d: Buffer) => { raw += d.toString() })
    req.on('end', () => { handle(req, res, raw).catch((err) => send(res, 500, { error: String(err) })) })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  t?.teardown(close)
  return { url: `http://127.0.0.1:${port}`, port, calls, received, pending, log, mode, close }
}

function send (res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8') {
  res.writeHead(status, { 'content-type': type })
  res.end(typeof body === 'string' ? body : JSON.stringify(body))
}

export type OllamaDouble = Awaited<ReturnType<typeof startOllamaDouble>>
