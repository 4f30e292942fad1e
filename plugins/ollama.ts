// Ollama behind the gateway: generate, chat and embed, streaming or not, with per-phase deadlines, stable error
// codes and a circuit breaker (services/llm/ollama-client.ts). https://github.com/ollama/ollama/blob/main/docs/api.md
import fp from 'fastify-plugin'
import { Counter, Histogram } from 'prom-client'
import { createOllamaClient } from '../services/llm/ollama-client.js'
import type { Metrics } from '../services/llm/types.js'

export function createOllama (client: ReturnType<typeof createOllamaClient>, defaultModel: string, registry: import('prom-client').Registry) {
  const requests = new Counter({ name: 'llm_requests_total', help: 'LLM requests by route, model and outcome', labelNames: ['route', 'model', 'outcome'] as const, registers: [registry] })
  const tokens = new Counter({ name: 'llm_tokens_total', help: 'Tokens counted by Ollama (prompt_eval_count, eval_count)', labelNames: ['model', 'kind'] as const, registers: [registry] })
  const upstream = new Histogram({ name: 'llm_upstream_duration_seconds', help: 'Ollama total_duration of completed answers', labelNames: ['model'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] })
  // Children per label set, made on first use (so series appear only once counted) and then reused:
  // labels() copies its arguments into a new object and binds a new function on every call.
  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>()
  const modelChildren = new Map<string, { prompt: ReturnType<typeof tokens.labels>, completion: ReturnType<typeof tokens.labels>, upstream: ReturnType<typeof upstream.labels> }>()
  return {
    ...client,
    defaultModel,
    /** Counts a finished request and, for a complete answer, its tokens and upstream time. */
    record (route: string, model: string, outcome: 'success' | 'failure' | 'cached', final?: Metrics) {
      const key = `${outcome} ${route} ${model}`
      let counter = requestChildren.get(key)
      if (counter === undefined) {
        // Model names come from clients: bound the memo (the series themselves are prom-client's).
        if (requestChildren.size >= 1000) { requestChildren.clear(); modelChildren.clear() }
        counter = requests.labels(route, model, outcome)
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
  fastify.decorate('ollama', createOllama(client, config.OLLAMA_MODEL, metrics.registry))
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
