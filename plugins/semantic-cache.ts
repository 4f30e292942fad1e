// The semantic cache: answers to prompts that mean the same (cosine >= SEMANTIC_THRESHOLD within a
// scope, and passing the lexical guard). Embeddings from a local ONNX encoder (EMBED_ONNX_DIR) or
// Ollama's /api/embed (EMBED_MODEL); entries shared through Redis when REDIS_URL is set.
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram } from 'prom-client'
import { SIMILARITY_BUCKETS } from '../services/cache/stats.js'
import { createOnnxEncoder } from '../services/cache/semantic/onnx-encoder.js'
import { createSemanticCache, ollamaEmbedder, type SemanticCache } from '../services/cache/semantic/semantic-cache.js'
import { createSemanticRedis } from '../services/cache/semantic/redis-store.js'
import { createSemanticStore } from '../services/cache/semantic/store.js'

declare module 'fastify' {
  interface FastifyInstance {
    semanticCache: SemanticCache
  }
}

export default fp(async function semanticCachePlugin (fastify) {
  const { config, metrics, health, log, redis, cache } = fastify
  // A configured but unreadable encoder is a deployment error: fail the boot, naming the directory.
  const onnx = config.EMBED_ONNX_DIR === ''
    ? null
    : await createOnnxEncoder(config.EMBED_ONNX_DIR, { maxTokens: config.EMBED_MAX_TOKENS }).catch((err: Error) => {
      throw new Error(`Cannot load the sentence encoder in EMBED_ONNX_DIR=${config.EMBED_ONNX_DIR} (model.onnx + tokenizer.json): ${err.message}`, { cause: err })
    })
  // Ollama is optional here (a local encoder needs none), so it is looked up when an embedding is needed.
  const embedder = onnx ?? ollamaEmbedder(() => fastify.hasDecorator('ollama') ? fastify.ollama : undefined, config.EMBED_MODEL)
  const ttlMs = config.SEMANTIC_TTL_SECONDS * 1000
  const store = createSemanticStore({ threshold: config.SEMANTIC_THRESHOLD, maxEntries: config.SEMANTIC_MAX_ENTRIES, ttlMs, minWords: config.SEMANTIC_MIN_WORDS })
  const events = cache.recorder.events('semantic', redis === undefined ? 'memory' : 'redis')
  const similarity = new Histogram({ name: 'semantic_cache_similarity', help: 'Best candidate similarity per semantic lookup', buckets: [...SIMILARITY_BUCKETS], registers: [metrics.registry] })
  const rejections = new Counter({ name: 'semantic_cache_guard_rejections_total', help: 'Candidates above the threshold vetoed by the lexical guard', labelNames: ['reason'], registers: [metrics.registry] })
  const skipped = new Counter({ name: 'semantic_cache_skipped_total', help: 'Lookups skipped because the embedding failed or passed its deadline, by error code', labelNames: ['reason'], registers: [metrics.registry] })
  // eslint-disable-next-line no-new -- prom-client registers a metric when it is constructed
  new Gauge({ name: 'semantic_cache_entries', help: 'Entries held by this replica', registers: [metrics.registry], collect () { this.set(store.size) } })

  const syncError = (operation: string, err: Error) => {
    events.error(operation, err)
    log.warn({ err: err.message, operation }, 'semantic cache: redis sharing failed; this replica keeps its entries')
  }
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
      local: () => store.all(),
      onEntry: (e) => { store.put(e) },
      onRemove: (ids) => { for (const id of ids) store.remove(id) },
      onFlush: () => store.clear(),
      onError: syncError
    })
  shared?.start()

  const semantic = createSemanticCache({
    enabled: config.SEMANTIC_CACHE_ENABLED,
    embedder,
    store,
    shared,
    minWords: config.SEMANTIC_MIN_WORDS,
    onError: syncError,
    // The route logs the skip with its request; the counter keeps the tally by cause.
    onSkip (reason) { skipped.inc({ reason }) },
    record ({ hit, savedMs, best, rejected }) {
      if (best !== null) { similarity.observe(best); cache.stats.similarity(best) }
      for (const r of rejected) { rejections.inc({ reason: r }); cache.stats.guardRejected(r) }
      if (hit) events.hit(savedMs ?? 0)
      else events.miss()
    }
  })
  const sweeper = setInterval(() => store.sweep(), Math.min(ttlMs, 60_000)).unref()

  health.register('semantic_cache', async () => {
    const base = { critical: false, embedder: embedder.source, entries: store.size, shared: shared !== null }
    if (!config.SEMANTIC_CACHE_ENABLED) return { status: 'disabled', ...base }
    if (onnx !== null) return { status: 'up', ...base }
    if (!fastify.hasDecorator('ollama')) return { status: 'down', ...base, error: 'no embedder: EMBED_ONNX_DIR is empty and the ollama plugin is not loaded' }
    // The embeddings come from Ollama: without it every lookup bypasses the cache.
    try {
      await fastify.ollama.probe()
      return { status: 'up', ...base }
    } catch (err) {
      return { status: 'degraded', ...base, error: `embeddings come from Ollama, which is unavailable: ${(err as Error).message}` }
    }
  })
  fastify.decorate('semanticCache', semantic)
  fastify.addHook('onClose', async () => {
    clearInterval(sweeper)
    shared?.close()
    await onnx?.close()
  })
}, { name: 'semantic-cache', dependencies: ['config', 'metrics', 'health', 'redis', 'cache'] })
