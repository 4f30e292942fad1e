// The semantic cache's request-side logic: embed, look up within a scope, remember complete answers
// (locally and, when configured, in Redis for the other replicas), flush. Plain module.
import { cacheKey } from '../exact/keys.js'
import type { Embedder } from './onnx-encoder.js'
import { EmbeddingUnavailableError } from '../../lib/errors.js'
import { words } from './guard.js'
import type { createSemanticRedis } from './redis-store.js'
import type { createSemanticStore, SemanticEntry } from './store.js'

/** The part of the ollama plugin (issue 3, LLM half) used here. */
export interface OllamaEmbed { embed: (req: { model: string, input: string[] }, ctx: { route: string }) => Promise<{ embeddings: number[][] }> }

export function ollamaEmbedder (getOllama: () => OllamaEmbed | undefined, model: string): Embedder {
  return {
    source: `ollama:${model}`,
    async embed (texts) {
      const ollama = getOllama()
      if (ollama === undefined) throw new EmbeddingUnavailableError('set EMBED_ONNX_DIR, or OLLAMA_URL for Ollama embeddings')
      const { embeddings } = await ollama.embed({ model, input: texts }, { route: 'semantic-cache' })
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
  record: (event: { hit: boolean, savedMs?: number, best: number | null, rejected: string[] }) => void
  onError: (operation: string, err: Error) => void
  /** A lookup skipped because the embedding failed or passed its deadline; the request goes on. */
  onSkip?: (reason: string, err: Error) => void
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
      let vector: Float32Array
      try {
        [vector] = await embedder.embed([prompt])
      } catch (err) {
        deps.onSkip?.((err as { code?: string }).code ?? 'error', err as Error)
        throw err
      }
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
      if (shared !== null) await shared.save(entry).catch((err: Error) => deps.onError('save', err))
      return entry
    },
    async flush (): Promise<number> {
      const local = store.size
      store.clear()
      return shared === null ? local : Math.max(local, await shared.flush())
    }
  }
}

export type SemanticCache = ReturnType<typeof createSemanticCache>
