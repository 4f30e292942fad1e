// Schemas of the cache API: semantic chat (seed phase 3), statistics and flush.
import { Type, type Static } from '@sinclair/typebox'

const Counts = {
  hits: Type.Integer(),
  misses: Type.Integer(),
  bypasses: Type.Integer({ description: 'served without the cache: Cache-Control no-cache, store down or failing' }),
  errors: Type.Integer({ description: 'failed store operations' }),
  hit_ratio: Type.Number({ description: 'hits / (hits + misses)' }),
  latency_saved_ms: Type.Number({ description: 'sum over hits of (original compute time - lookup time)' })
}

export const CacheStatsSchema = Type.Object({
  exact: Type.Object({ ...Counts, store: Type.String(), entries: Type.Union([Type.Integer(), Type.Null()], { description: 'null for Redis (not counted)' }) }),
  semantic: Type.Object({
    ...Counts,
    enabled: Type.Boolean(),
    store: Type.String(),
    embedder: Type.String(),
    threshold: Type.Number(),
    entries: Type.Integer({ description: 'entries held by this replica' }),
    guard_rejections: Type.Record(Type.String(), Type.Integer(), { description: 'candidates vetoed by reason' }),
    similarity_histogram: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), count: Type.Integer() }), { description: 'best candidate similarity per lookup' })
  }),
  overall: Type.Object({ hits: Type.Integer(), misses: Type.Integer(), hit_ratio: Type.Number(), latency_saved_ms: Type.Number() }),
  scope: Type.String()
})

export const FlushQuerySchema = Type.Object({
  cache: Type.Optional(Type.Union([Type.Literal('exact'), Type.Literal('semantic'), Type.Literal('all')], { default: 'all' }))
}, { additionalProperties: false })

export const FlushResponseSchema = Type.Object({
  flushed: Type.Object({ exact: Type.Union([Type.Integer(), Type.Null()]), semantic: Type.Union([Type.Integer(), Type.Null()]) }),
  stats_reset: Type.Boolean()
})

export const ChatSemanticRequestSchema = Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: 8000 }),
  model: Type.Optional(Type.String({ minLength: 1, description: 'Ollama model (default OLLAMA_MODEL)' })),
  system: Type.Optional(Type.String({ maxLength: 8000 })),
  options: Type.Optional(Type.Object({
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
    seed: Type.Optional(Type.Integer()),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ minimum: 0 })),
    num_predict: Type.Optional(Type.Integer({ minimum: -1 }))
  }, { additionalProperties: false, description: 'sampling options; part of the cache scope' }))
}, { additionalProperties: false, examples: [{ prompt: 'What is AI?' }] })

export type ChatSemanticRequest = Static<typeof ChatSemanticRequestSchema>

export const ChatSemanticResponseSchema = Type.Object({
  response: Type.String(),
  model: Type.String(),
  cache_info: Type.Object({
    cache_hit: Type.Boolean(),
    cache_type: Type.Union([Type.Literal('exact'), Type.Literal('semantic'), Type.Null()], { description: 'null on a miss' }),
    similarity_score: Type.Union([Type.Number(), Type.Null()], { description: 'of the matched (or, on a miss, the closest) earlier prompt' }),
    response_time_ms: Type.Number(),
    matched_prompt: Type.Optional(Type.String())
  })
})
