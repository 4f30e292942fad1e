// A client of Ollama's native API (/api/generate, /api/chat, /api/embed) on the upstream factory
// (services/lib/upstream.ts): deadlines per phase (connect, first byte, gap between streamed chunks),
// a short one for embeddings and health probes, the shared failure codes and a circuit breaker
// that stops hammering a dead or hung server.
import { UpstreamBadResponseError } from '../lib/errors.js'
import { createUpstream, type UpstreamOptions } from '../lib/upstream.js'
import type { ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, GenerateRequest, GenerateResponse, TagsResponse } from './types.js'

/**
 * The upstream's settings (firstByteTimeoutMs bounds the whole answer when not streaming: Ollama
 * sends it in one piece; idleTimeoutMs the gap between two streamed chunks), plus Ollama's own.
 */
export interface OllamaClientOptions extends Pick<UpstreamOptions, 'url' | 'dispatcher' | 'connections' | 'connectTimeoutMs' | 'firstByteTimeoutMs' | 'idleTimeoutMs'> {
  /** Whole /api/embed call: past it the semantic cache is skipped, not the answer. */
  embedTimeoutMs?: number
  /** Whole /api/version call of a health probe. */
  probeTimeoutMs?: number
  breakerThreshold: number
  breakerCoolDownMs: number
}

const NAME = 'Ollama'

type Body = { model?: string, [key: string]: unknown }

export function createOllamaClient (opts: OllamaClientOptions) {
  const upstream = createUpstream({
    name: NAME,
    url: opts.url,
    dispatcher: opts.dispatcher,
    connections: opts.connections ?? 64,
    connectTimeoutMs: opts.connectTimeoutMs,
    firstByteTimeoutMs: opts.firstByteTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    breaker: { threshold: opts.breakerThreshold, coolDownMs: opts.breakerCoolDownMs }
  })
  const embedMs = opts.embedTimeoutMs ?? opts.firstByteTimeoutMs
  const probeMs = opts.probeTimeoutMs ?? Math.min(opts.firstByteTimeoutMs, 1000)
  const post = (path: string, body: Body, deadlineMs?: number) => ({
    method: 'POST' as const,
    path,
    model: body.model,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(deadlineMs === undefined ? {} : { firstByteTimeoutMs: deadlineMs, totalTimeoutMs: deadlineMs })
  })

  /** NDJSON chunks of a streaming answer; an {"error"} line or a missing final chunk throws. Aborting
   * `signal` (the client left) ends the upstream call at once, even while a chunk is awaited. */
  async function * ndjson<T extends { done?: boolean }> (path: string, body: Body, signal?: AbortSignal): AsyncGenerator<T> {
    const res = await upstream.stream({ ...post(path, body), signal })
    let buffered = ''
    let finished = false
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
    if (buffered.trim() !== '') {
      const chunk = parseLine<T>(buffered.trim())
      finished ||= chunk.done === true
      yield chunk
    }
    if (!finished) throw new UpstreamBadResponseError(NAME, 'the stream ended before its final chunk')
  }

  async function version (timeoutMs = probeMs): Promise<string> {
    const answer = await upstream.json<{ version?: unknown }>({ method: 'GET', path: '/api/version', firstByteTimeoutMs: timeoutMs, totalTimeoutMs: timeoutMs })
    if (typeof answer.version !== 'string') throw new UpstreamBadResponseError(NAME, '/api/version has no version')
    return answer.version
  }

  return {
    url: opts.url,
    breaker: upstream.breaker,
    upstream,
    generate: async (req: GenerateRequest) => await upstream.json<GenerateResponse>(post('/api/generate', { ...req, stream: false })),
    chat: async (req: ChatRequest) => await upstream.json<ChatResponse>(post('/api/chat', { ...req, stream: false })),
    embed: async (req: EmbedRequest) => await upstream.json<EmbedResponse>(post('/api/embed', { ...req }, embedMs)),
    generateStream: (req: GenerateRequest, signal?: AbortSignal) => ndjson<GenerateResponse>('/api/generate', { ...req, stream: true }, signal),
    chatStream: (req: ChatRequest, signal?: AbortSignal) => ndjson<ChatResponse>('/api/chat', { ...req, stream: true }, signal),
    /** The local models (/api/tags). */
    models: async (): Promise<TagsResponse['models']> => (await upstream.json<TagsResponse>({ method: 'GET', path: '/api/tags' })).models,
    version,
    /** The server's version for /health: one call in flight at a time, under the short probe deadline. */
    probe: async (): Promise<string> => await upstream.probe(async () => await version()),
    close: async () => { await upstream.close() }
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
