// The semantic cache: answers to prompts that mean the same (cosine >= SEMANTIC_THRESHOLD within a
// scope, and passing the lexical guard). Embeddings from a local ONNX encoder (EMBED_ONNX_DIR) or
// Ollama's /api/embed (EMBED_MODEL); entries shared through Redis when REDIS_URL is set.
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram } from 'prom-client'
import { cacheKey } from '../services/cache/keys.js'
import { SIMILARITY_BUCKETS } from '../services/cache/stats.js'
import { createOnnxEncoder, type Embedder } from '../services/embedding/onnx-encoder.js'
import { EmbeddingUnavailableError } from '../services/errors.js'
import { words } from '../services/semantic-guard.js'
import { createSemanticRedis } from '../services/semantic-redis.js'
import { createSemanticStore, type SemanticEntry } from '../services/semantic-store.js'

declare module 'fastify' {
  interface FastifyInstance {
    semanticCache: ReturnType<typeof createSemanticCache>
  }
}

/** The part of the ollama plugin (issue 3, LLM half) used here. */
interface OllamaEmbed { embed: (req: { model: string, input: string[] }) => Promise<{ embeddings: number[][] }> }

export function ollamaEmbedder (getOllama: () => OllamaEmbed | undefined, model: string): Embedder {
  return {
    source: `ollama:${model}`,
    async embed (texts) {
      const ollama = getOllama()
      if (ollama === undefined) throw new EmbeddingUnavailableError('set EMBED_ONNX_DIR, or OLLAMA_URL for Ollama embeddings')
      const { embeddings } = await ollama.embed({ model, input: texts })
      return embeddings.map((e) => Float32Array.from(e))
    }
  }
}

export function createSemanticCache (deps: {
  enabled: boolean
  embedder: Embedder
  store: ReturnType<typeof createSemanticStore>
  shared: ReturnType<typeof createSemanticRedis> | null
  minWords: number
  ttlMs: number
  record: (event: { hit: boolean, savedMs?: number, best: number | null, rejected: string[] }) => void
}) {
  const { embedder, store, shared } = deps
  return {
    enabled: deps.enabled,
    source: embedder.source,
    store,
    /** One scope per model, sampling options, system prompt and embedder: no cross-model hits. */
    scope: (parts: Record<string, unknown>) => cacheKey('scope', { ...parts, embedder: embedder.source }),
    /** The prompt's vector; null when it is too short to match semantically (left to the exact cache). */
    async embed (prompt: string): Promise<Float32Array | null> {
      if (words(prompt).length < deps.minWords) return null
      return (await embedder.embed([prompt]))[0]
    },
    /** Null when the prompt is too short to match semantically (it is left to the exact cache). */
    async lookup (scope: string, prompt: string) {
      if (words(prompt).length < deps.minWords) return null
      const start = performance.now()
      const [vector] = await embedder.embed([prompt])
      const result = store.lookup(scope, prompt, vector)
      const lookupMs = performance.now() - start
      deps.record(result.hit
        ? { hit: true, savedMs: result.entry.responseTimeMs - lookupMs, best: result.score, rejected: result.rejected }
        : { hit: false, best: result.best, rejected: result.rejected })
      return { ...result, vector, lookupMs }
    },
    /** Stores a complete, successful answer; a Redis failure only loses the sharing. */
    async remember (scope: string, prompt: string, vector: Float32Array, response: unknown, responseTimeMs: number): Promise<SemanticEntry> {
      const entry = { id: cacheKey('e', [scope, prompt]).slice(2, 34), scope, prompt, response, vector, createdAt: Date.now(), responseTimeMs }
      store.put(entry)
      if (shared !== null) await shared.save(entry).catch(() => {})
      return entry
    },
    async flush (): Promise<number> {
      const local = store.size
      store.clear()
      return shared === null ? local : Math.max(local, await shared.flush())
    }
  }
}

export default fp(async function semanticCachePlugin (fastify) {
  const { config, metrics, health, log, redis, cache } = fastify
  const onnx = config.EMBED_ONNX_DIR === '' ? null : await createOnnxEncoder(config.EMBED_ONNX_DIR, { maxTokens: config.EMBED_MAX_TOKENS })
  const embedder = onnx ?? ollamaEmbedder(() => (fastify as unknown as { ollama?: OllamaEmbed }).ollama, config.EMBED_MODEL)
  const ttlMs = config.SEMANTIC_TTL_SECONDS * 1000
  const store = createSemanticStore({ threshold: config.SEMANTIC_THRESHOLD, maxEntries: config.SEMANTIC_MAX_ENTRIES, ttlMs, minWords: config.SEMANTIC_MIN_WORDS })
  const events = cache.recorder.events('semantic', redis === undefined ? 'memory' : 'redis')
  const similarity = new Histogram({ name: 'semantic_cache_similarity', help: 'Best candidate similarity per semantic lookup', buckets: [...SIMILARITY_BUCKETS], registers: [metrics.registry] })
  const rejections = new Counter({ name: 'semantic_cache_guard_rejections_total', help: 'Candidates above the threshold vetoed by the lexical guard', labelNames: ['reason'], registers: [metrics.registry] })
  new Gauge({ name: 'semantic_cache_entries', help: 'Entries held by this replica', registers: [metrics.registry], collect () { this.set(store.size) } }) // eslint-disable-line no-new

  const shared = redis === undefined
    ? null
    : createSemanticRedis({
      redis,
      subscriber: redis.duplicate(),
      prefix: `${config.REDIS_KEY_PREFIX}sem:`,
      instanceId: randomUUID(),
      ttlMs,
      maxEntries: config.SEMANTIC_MAX_ENTRIES,
      has: (id) => store.has(id),
      onEntry: (e) => { store.put(e) },
      onRemove: (ids) => { for (const id of ids) store.remove(id) },
      onFlush: () => store.clear(),
      onError: (operation, err) => {
        events.error(operation, err)
        log.warn({ err: err.message, operation }, 'semantic cache: redis sync failed')
      }
    })
  shared?.start()

  const semantic = createSemanticCache({
    enabled: config.SEMANTIC_CACHE_ENABLED,
    embedder,
    store,
    shared,
    minWords: config.SEMANTIC_MIN_WORDS,
    ttlMs,
    record ({ hit, savedMs, best, rejected }) {
      if (best !== null) { similarity.observe(best); cache.stats.similarity(best) }
      for (const r of rejected) { rejections.inc({ reason: r }); cache.stats.guardRejected(r) }
      if (hit) events.hit(savedMs ?? 0)
      else events.miss()
    }
  })
  const sweeper = setInterval(() => store.sweep(), Math.min(ttlMs, 60_000)).unref()

  health.register('semantic_cache', () => ({
    status: config.SEMANTIC_CACHE_ENABLED ? 'up' : 'disabled',
    critical: false,
    embedder: embedder.source,
    entries: store.size,
    shared: shared !== null
  }))
  fastify.decorate('semanticCache', semantic)
  fastify.addHook('onClose', async () => {
    clearInterval(sweeper)
    shared?.close()
    await onnx?.close()
  })
}, { name: 'semantic-cache', dependencies: ['config', 'metrics', 'health', 'redis', 'cache'] })
