// Ollama behind the gateway: generate, chat and embed, streaming or not, with per-phase deadlines, stable error
// codes and a circuit breaker (services/llm/ollama-client.ts). https://github.com/ollama/ollama/blob/main/docs/api.md
// Every call through this decorator counts itself in llm_requests_total under the route it serves:
// success or failure when the answer (or the stream's end, or its abort) is known, 'cached' when the
// caller's cache answered without reaching Ollama. Routes never count by hand.
import fp from 'fastify-plugin'
import { createLlmMetrics } from '../services/llm/metrics.js'
import { createOllamaClient } from '../services/llm/ollama-client.js'
import type { ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, GenerateRequest, GenerateResponse, Metrics } from '../services/llm/types.js'

/** Who a call serves (the route's URL pattern, e.g. request.routeOptions.url) and, optionally, a cache
 * in front of it: `cache(upstream)` answers from the cache or calls `upstream`; not calling it means 'cached'. */
export interface CallContext<R, T = R> { route: string | undefined, cache?: (upstream: () => Promise<R>) => Promise<T> }
export type Route = Pick<CallContext<unknown>, 'route'>

export function createOllama (client: ReturnType<typeof createOllamaClient>, defaultModel: string, record: ReturnType<typeof createLlmMetrics>) {
  /** One upstream answer, counted; through the context's cache when it has one. */
  async function counted<R extends Metrics, T> (model: string, ctx: CallContext<R, T>, call: () => Promise<R>): Promise<T> {
    const upstream = async () => {
      try {
        const r = await call()
        record(ctx.route, model, 'success', r)
        return r
      } catch (err) {
        record(ctx.route, model, 'failure')
        throw err
      }
    }
    if (ctx.cache === undefined) return await upstream() as unknown as T
    let reached = false
    try {
      const value = await ctx.cache(async () => { reached = true; return await upstream() })
      if (!reached) record(ctx.route, model, 'cached')
      return value
    } catch (err) {
      if (!reached) record(ctx.route, model, 'failure')
      throw err
    }
  }

  /** A stream's chunks, counted once: success with the final chunk's metrics, failure on an error or
   * when the consumer stops (client gone) before the final chunk. */
  function countedStream<C extends Metrics & { done?: boolean }> (model: string, ctx: Route, open: (signal: AbortSignal) => AsyncGenerator<C>): AsyncGenerator<C> {
    const controller = new AbortController()
    async function * chunks () {
      let final: C | undefined
      try {
        for await (const chunk of open(controller.signal)) {
          if (chunk.done === true) final = chunk
          yield chunk
        }
      } finally {
        record(ctx.route, model, final !== undefined ? 'success' : 'failure', final)
      }
    }
    const stream = chunks()
    // return() on a generator that awaits Ollama's next chunk would wait for that chunk: abort first.
    const close = stream.return.bind(stream)
    stream.return = async (value) => { controller.abort(); return await close(value) }
    return stream
  }

  return {
    url: client.url,
    breaker: client.breaker,
    version: client.version,
    probe: client.probe,
    models: client.models,
    defaultModel,
    generate: <T = GenerateResponse>(req: GenerateRequest, ctx: CallContext<GenerateResponse, T>) => counted(req.model, ctx, () => client.generate(req)),
    chat: <T = ChatResponse>(req: ChatRequest, ctx: CallContext<ChatResponse, T>) => counted(req.model, ctx, () => client.chat(req)),
    embed: (req: EmbedRequest, ctx: Route) => counted<EmbedResponse, EmbedResponse>(req.model, ctx, () => client.embed(req)),
    generateStream: (req: GenerateRequest, ctx: Route) => countedStream(req.model, ctx, (signal) => client.generateStream(req, signal)),
    chatStream: (req: ChatRequest, ctx: Route) => countedStream(req.model, ctx, (signal) => client.chatStream(req, signal))
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    ollama: ReturnType<typeof createOllama>
  }
}

export default fp(async function ollamaPlugin (fastify) {
  const { config, health, metrics } = fastify
  const client = createOllamaClient({
    url: config.OLLAMA_URL,
    connectTimeoutMs: config.OLLAMA_CONNECT_TIMEOUT_MS,
    // OLLAMA_TIMEOUT_MS: the deprecated single setting, still honoured.
    firstByteTimeoutMs: config.OLLAMA_TIMEOUT_MS ?? config.OLLAMA_FIRST_BYTE_TIMEOUT_MS,
    idleTimeoutMs: config.OLLAMA_TIMEOUT_MS ?? config.OLLAMA_STREAM_IDLE_TIMEOUT_MS,
    embedTimeoutMs: config.OLLAMA_EMBED_TIMEOUT_MS,
    probeTimeoutMs: config.OLLAMA_PROBE_TIMEOUT_MS,
    breakerThreshold: config.OLLAMA_BREAKER_THRESHOLD,
    breakerCoolDownMs: config.OLLAMA_BREAKER_COOLDOWN_MS
  })
  fastify.decorate('ollama', createOllama(client, config.OLLAMA_MODEL, createLlmMetrics(metrics.registry)))
  // The probe is single-flight with a short deadline: polls of a hung Ollama never pile up calls.
  health.register('ollama', async () => {
    const base = { critical: false, url: config.OLLAMA_URL, model: config.OLLAMA_MODEL }
    try {
      const version = await client.probe()
      return { status: 'up', ...base, circuit: client.breaker.state(), version }
    } catch (err) {
      return { status: 'down', ...base, circuit: client.breaker.state(), error: (err as Error).message }
    }
  })
  fastify.addHook('onClose', async () => { await client.close() })
}, { name: 'ollama', dependencies: ['config', 'health', 'metrics'] })
