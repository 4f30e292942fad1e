// Ollama behind the gateway: generate, chat and embed, streaming or not, with timeouts, stable error
// codes and a circuit breaker (services/llm/ollama-client.ts). https://github.com/ollama/ollama/blob/main/docs/api.md
// Every call through this decorator counts itself in llm_requests_total under the route it serves:
// success or failure when the answer (or the stream's end, or its abort) is known, 'cached' when the
// caller's cache answered without reaching Ollama. Routes never count by hand.
import fp from 'fastify-plugin'
import { Counter, Histogram } from 'prom-client'
import { createOllamaClient } from '../services/llm/ollama-client.js'
import type { ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, GenerateRequest, GenerateResponse, Metrics } from '../services/llm/types.js'

type Outcome = 'success' | 'failure' | 'cached'

/** Who a call serves (the route's URL pattern, e.g. request.routeOptions.url) and, optionally, a cache
 * in front of it: `cache(upstream)` answers from the cache or calls `upstream`; not calling it means 'cached'. */
export interface CallContext<R, T = R> { route: string | undefined, cache?: (upstream: () => Promise<R>) => Promise<T> }
export type Route = Pick<CallContext<unknown>, 'route'>

export function createLlmMetrics (registry: import('prom-client').Registry) {
  const requests = new Counter({ name: 'llm_requests_total', help: 'LLM requests by route, model and outcome (success, failure, cached)', labelNames: ['route', 'model', 'outcome'] as const, registers: [registry] })
  const tokens = new Counter({ name: 'llm_tokens_total', help: 'Tokens counted by Ollama (prompt_eval_count, eval_count)', labelNames: ['model', 'kind'] as const, registers: [registry] })
  const upstream = new Histogram({ name: 'llm_upstream_duration_seconds', help: 'Ollama total_duration of completed answers', labelNames: ['model'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] })
  // Children per label set, made on first use (so series appear only once counted) and then reused:
  // labels() copies its arguments into a new object and binds a new function on every call.
  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>()
  const modelChildren = new Map<string, { prompt: ReturnType<typeof tokens.labels>, completion: ReturnType<typeof tokens.labels>, upstream: ReturnType<typeof upstream.labels> }>()
  /** Counts a finished request and, for a complete answer, its tokens and upstream time. */
  return function record (route: string | undefined, model: string, outcome: Outcome, final?: Metrics) {
    const key = `${outcome} ${route} ${model}`
    let counter = requestChildren.get(key)
    if (counter === undefined) {
      // Model names come from clients: bound the memo (the series themselves are prom-client's).
      if (requestChildren.size >= 1000) { requestChildren.clear(); modelChildren.clear() }
      counter = requests.labels(route ?? 'unknown', model, outcome)
      requestChildren.set(key, counter)
    }
    counter.inc()
    if (final === undefined) return
    let m = modelChildren.get(model)
    if (m === undefined) {
      m = { prompt: tokens.labels(model, 'prompt'), completion: tokens.labels(model, 'completion'), upstream: upstream.labels(model) }
      modelChildren.set(model, m)
    }
    m.prompt.inc(final.prompt_eval_count ?? 0)
    m.completion.inc(final.eval_count ?? 0)
    if (final.total_duration !== undefined) m.upstream.observe(final.total_duration / 1e9)
  }
}

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
  async function * countedStream<C extends Metrics & { done?: boolean }> (model: string, ctx: Route, chunks: AsyncGenerator<C>): AsyncGenerator<C> {
    let final: C | undefined
    let ended = false
    try {
      for await (const chunk of chunks) {
        if (chunk.done === true) final = chunk
        yield chunk
      }
      ended = true
    } finally {
      record(ctx.route, model, ended || final !== undefined ? 'success' : 'failure', final)
    }
  }

  return {
    url: client.url,
    breaker: client.breaker,
    version: client.version,
    models: client.models,
    defaultModel,
    generate: <T = GenerateResponse>(req: GenerateRequest, ctx: CallContext<GenerateResponse, T>) => counted(req.model, ctx, () => client.generate(req)),
    chat: <T = ChatResponse>(req: ChatRequest, ctx: CallContext<ChatResponse, T>) => counted(req.model, ctx, () => client.chat(req)),
    embed: (req: EmbedRequest, ctx: Route) => counted<EmbedResponse, EmbedResponse>(req.model, ctx, () => client.embed(req)),
    generateStream: (req: GenerateRequest, ctx: Route) => countedStream(req.model, ctx, client.generateStream(req)),
    chatStream: (req: ChatRequest, ctx: Route) => countedStream(req.model, ctx, client.chatStream(req))
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
    headersTimeoutMs: config.OLLAMA_TIMEOUT_MS,
    bodyTimeoutMs: config.OLLAMA_TIMEOUT_MS,
    breakerThreshold: config.OLLAMA_BREAKER_THRESHOLD,
    breakerCoolDownMs: config.OLLAMA_BREAKER_COOLDOWN_MS
  })
  fastify.decorate('ollama', createOllama(client, config.OLLAMA_MODEL, createLlmMetrics(metrics.registry)))
  health.register('ollama', async () => {
    const base = { critical: false, url: config.OLLAMA_URL, model: config.OLLAMA_MODEL, circuit: client.breaker.state() }
    try {
      return { status: 'up', ...base, version: await client.version() }
    } catch (err) {
      return { status: 'down', ...base, error: (err as Error).message }
    }
  })
  fastify.addHook('onClose', async () => { await client.close() })
}, { name: 'ollama', dependencies: ['config', 'health', 'metrics'] })
