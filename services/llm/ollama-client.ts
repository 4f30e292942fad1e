// A client of Ollama's native API (/api/generate, /api/chat, /api/embed) on an undici Pool, with
// timeouts, stable error codes (after @fastify/reply-from: refused -> 503, timeout -> 504, bad
// answer -> 502, unknown model -> 404) and a circuit breaker that stops hammering a dead server.
import { Pool, type Dispatcher } from 'undici'
import { createCircuitBreaker } from '../lib/circuit-breaker.js'
import {
  CircuitOpenError, UpstreamBadResponseError, UpstreamNotFoundError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError
} from '../lib/errors.js'
import type { ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, GenerateRequest, GenerateResponse, TagsResponse } from './types.js'

export interface OllamaClientOptions {
  url: string
  connections?: number
  connectTimeoutMs: number
  headersTimeoutMs: number
  bodyTimeoutMs: number
  breakerThreshold: number
  breakerCoolDownMs: number
}

const NAME = 'Ollama'
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

export function createOllamaClient (opts: OllamaClientOptions) {
  const pool = new Pool(opts.url, {
    connections: opts.connections ?? 64,
    connect: { timeout: opts.connectTimeoutMs },
    headersTimeout: opts.headersTimeoutMs,
    bodyTimeout: opts.bodyTimeoutMs,
    keepAliveTimeout: 30_000
  })
  const breaker = createCircuitBreaker({ threshold: opts.breakerThreshold, coolDownMs: opts.breakerCoolDownMs })

  function transportError (err: unknown): Error {
    const code = (err as { code?: string }).code ?? ''
    if (TIMEOUT_CODES.has(code)) {
      const ms = code === 'UND_ERR_CONNECT_TIMEOUT' ? opts.connectTimeoutMs : code === 'UND_ERR_BODY_TIMEOUT' ? opts.bodyTimeoutMs : opts.headersTimeoutMs
      return new UpstreamTimeoutError(NAME, ms, { cause: err })
    }
    return new UpstreamUnavailableError(NAME, `${code === '' ? '' : code + ' '}${(err as Error).message} (${opts.url})`, { cause: err })
  }

  function statusError (status: number, text: string, model: string | undefined): Error {
    let message = text
    try { message = (JSON.parse(text) as { error?: string }).error ?? text } catch {}
    if (status === 404) return new UpstreamNotFoundError(NAME, model ?? '', message)
    if (status === 400) return new UpstreamRejectedError(NAME, message)
    if (status === 503 || status === 429) return new UpstreamUnavailableError(NAME, message)
    return new UpstreamBadResponseError(NAME, `HTTP ${status}: ${message}`)
  }

  async function send (method: 'GET' | 'POST', path: string, body?: { model?: string, [key: string]: unknown }, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    if (!breaker.allow()) throw new CircuitOpenError(NAME, breaker.failures, breaker.retryInMs())
    let res: Dispatcher.ResponseData
    try {
      res = await pool.request({ method, path, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal })
    } catch (err) {
      if (signal?.aborted !== true) breaker.failure() // our caller's abort says nothing of Ollama
      throw transportError(err)
    }
    breaker.success()
    if (res.statusCode >= 400) throw statusError(res.statusCode, await res.body.text().catch(() => ''), body?.model)
    return res
  }

  async function json<T> (path: string, body: { model?: string, [key: string]: unknown }): Promise<T> {
    const res = await send('POST', path, body)
    let text: string
    try {
      text = await res.body.text()
    } catch (err) {
      throw transportError(err)
    }
    try {
      return JSON.parse(text) as T
    } catch {
      throw new UpstreamBadResponseError(NAME, `unparseable JSON from ${path}: ${text.slice(0, 80)}`)
    }
  }

  /** NDJSON chunks of a streaming answer; an {"error"} line or a missing final chunk throws. Aborting
   * `signal` (the client left) destroys the upstream body at once, even while a chunk is awaited. */
  async function * ndjson<T extends { done?: boolean }> (path: string, body: { model?: string, [key: string]: unknown }, signal?: AbortSignal): AsyncGenerator<T> {
    const res = await send('POST', path, body, signal)
    let buffered = ''
    let finished = false
    try {
      for await (const piece of res.body) {
        buffered += piece.toString()
        let newline: number
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim()
          buffered = buffered.slice(newline + 1)
          if (line === '') continue
          const chunk = parseLine<T>(line)
          finished ||= chunk.done === true
          yield chunk
        }
      }
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== undefined) throw err
      throw transportError(err)
    }
    if (buffered.trim() !== '') {
      const chunk = parseLine<T>(buffered.trim())
      finished ||= chunk.done === true
      yield chunk
    }
    if (!finished) throw new UpstreamBadResponseError(NAME, 'the stream ended before its final chunk')
  }

  return {
    url: opts.url,
    breaker,
    generate: (req: GenerateRequest) => json<GenerateResponse>('/api/generate', { ...req, stream: false }),
    chat: (req: ChatRequest) => json<ChatResponse>('/api/chat', { ...req, stream: false }),
    embed: (req: EmbedRequest) => json<EmbedResponse>('/api/embed', { ...req }),
    generateStream: (req: GenerateRequest, signal?: AbortSignal) => ndjson<GenerateResponse>('/api/generate', { ...req, stream: true }, signal),
    chatStream: (req: ChatRequest, signal?: AbortSignal) => ndjson<ChatResponse>('/api/chat', { ...req, stream: true }, signal),
    /** The local models (/api/tags). */
    async models (): Promise<TagsResponse['models']> {
      const res = await send('GET', '/api/tags')
      return ((await res.body.json()) as TagsResponse).models
    },
    async version (): Promise<string> {
      const res = await send('GET', '/api/version')
      return ((await res.body.json()) as { version: string }).version
    },
    close: () => pool.close()
  }
}

function parseLine<T> (line: string): T {
  let chunk: T & { error?: string }
  try {
    chunk = JSON.parse(line) as T & { error?: string }
  } catch {
    throw new UpstreamBadResponseError(NAME, `unparseable stream line: ${line.slice(0, 80)}`)
  }
  if (chunk.error !== undefined) throw new UpstreamBadResponseError(NAME, `error in the stream: ${chunk.error}`)
  return chunk
}

export type OllamaClient = ReturnType<typeof createOllamaClient>
