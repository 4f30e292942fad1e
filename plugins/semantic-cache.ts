// The semantic cache: answers to prompts that mean the same (cosine >= SEMANTIC_THRESHOLD within a
// scope, and passing the lexical guard). Embeddings from a local ONNX encoder (EMBED_ONNX_DIR) or
// Ollama's /api/embed (EMBED_MODEL); entries shared through Redis when REDIS_URL is set
// (services/cache/semantic/service.ts assembles it).
import fp from 'fastify-plugin'
import { createOnnxEncoder } from '../services/cache/semantic/onnx-encoder.js'
import { ollamaEmbedder, type SemanticCache } from '../services/cache/semantic/semantic-cache.js'
import { createSemanticCacheService } from '../services/cache/semantic/service.js'

declare module 'fastify' {
  interface FastifyInstance {
    semanticCache: SemanticCache
  }
}

export default fp(async function semanticCachePlugin (fastify) {
  const { config, metrics, health, log, redis, cache, ollama } = fastify
  // A configured but unreadable encoder is a deployment error: fail the boot, naming the directory.
  const onnx = config.EMBED_ONNX_DIR === ''
    ? null
    : await createOnnxEncoder(config.EMBED_ONNX_DIR, { maxTokens: config.EMBED_MAX_TOKENS }).catch((err: Error) => {
      throw new Error(`Cannot load the sentence encoder in EMBED_ONNX_DIR=${config.EMBED_ONNX_DIR} (model.onnx + tokenizer.json): ${err.message}`, { cause: err })
    })
  const service = createSemanticCacheService({
    settings: {
      enabled: config.SEMANTIC_CACHE_ENABLED,
      threshold: config.SEMANTIC_THRESHOLD,
      maxEntries: config.SEMANTIC_MAX_ENTRIES,
      ttlMs: config.SEMANTIC_TTL_SECONDS * 1000,
      minWords: config.SEMANTIC_MIN_WORDS,
      keyPrefix: config.REDIS_KEY_PREFIX
    },
    embedder: onnx ?? ollamaEmbedder(() => ollama, config.EMBED_MODEL),
    probeEmbedder: onnx === null ? { name: 'Ollama', probe: ollama.probe } : undefined,
    redis,
    registry: metrics.registry,
    events: cache.recorder.events('semantic', redis === undefined ? 'memory' : 'redis'),
    stats: cache.stats,
    warn: (fields, message) => log.warn(fields, message)
  })
  health.register('semantic_cache', service.health)
  fastify.decorate('semanticCache', service.cache)
  fastify.addHook('onClose', async () => {
    service.close()
    await onnx?.close()
  })
}, { name: 'semantic-cache', dependencies: ['config', 'metrics', 'health', 'redis', 'cache', 'ollama'] })
