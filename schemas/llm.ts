// Schemas of the LLM routes (seed field names).
import { Type, type Static } from '@sinclair/typebox'

export const OptionsSchema = Type.Object({
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  seed: Type.Optional(Type.Integer()),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  top_k: Type.Optional(Type.Integer({ minimum: 1 })),
  num_predict: Type.Optional(Type.Integer({ minimum: -2 })),
  stop: Type.Optional(Type.Array(Type.String(), { maxItems: 8 }))
}, { additionalProperties: false, description: 'Ollama sampling options; temperature 0 or a fixed seed makes the answer cacheable' })

export type SamplingOptions = Static<typeof OptionsSchema>

export const GenerateRequestSchema = (maxChars: number) => Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: maxChars }),
  model: Type.Optional(Type.String({ minLength: 1, description: 'Ollama model (default OLLAMA_MODEL)' })),
  system: Type.Optional(Type.String({ maxLength: maxChars })),
  options: Type.Optional(OptionsSchema),
  stream: Type.Optional(Type.Boolean({ description: 'NDJSON chunks as Ollama streams them' }))
}, { additionalProperties: false })

export const UsageSchema = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Integer(), total_duration_ms: Type.Number() })

export const GenerateResponseSchema = Type.Object({
  response: Type.String(),
  model: Type.String(),
  done_reason: Type.String(),
  usage: UsageSchema
})

export const SecurityAnalysisSchema = Type.Object({
  injection_detected: Type.Boolean(),
  detected_patterns: Type.Array(Type.String()),
  categories: Type.Array(Type.String()),
  sanitized: Type.Boolean(),
  original_length: Type.Integer(),
  sanitized_length: Type.Integer(),
  blocked: Type.Boolean(),
  truncated: Type.Boolean(),
  classifier_score: Type.Number({ minimum: 0, maximum: 1, description: "the learned classifier's probability that the prompt is an injection" })
})

export const SecureGenerateRequestSchema = Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: 100_000, description: 'longer than PROMPT_MAX_CHARS is truncated, not refused' }),
  model: Type.Optional(Type.String({ minLength: 1 })),
  options: Type.Optional(OptionsSchema)
}, { additionalProperties: false })

export const SecureGenerateResponseSchema = Type.Object({ response: Type.String(), model: Type.String(), security_analysis: SecurityAnalysisSchema })

/** A 400 from /generate-secure: a blocked prompt (GW_PROMPT_BLOCKED, with the analysis) or a schema rejection (without). */
export const BlockedResponseSchema = Type.Object({
  statusCode: Type.Integer(), code: Type.String(), error: Type.String(), message: Type.String(), security_analysis: Type.Optional(SecurityAnalysisSchema)
})

export const ChatRequestSchema = (maxChars: number) => Type.Object({
  prompt: Type.String({ minLength: 1, maxLength: maxChars }),
  session_id: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$', description: 'omit to start a new session' })),
  model: Type.Optional(Type.String({ minLength: 1 })),
  system: Type.Optional(Type.String({ maxLength: maxChars })),
  options: Type.Optional(OptionsSchema),
  stream: Type.Optional(Type.Boolean())
}, { additionalProperties: false })

export const MemoryStatsSchema = Type.Object({
  total_messages: Type.Integer(), human_messages: Type.Integer(), ai_messages: Type.Integer(), window_messages: Type.Integer(), window_tokens: Type.Integer()
})

export const ChatResponseSchema = Type.Object({
  response: Type.String(), session_id: Type.String(), model: Type.String(), conversation_length: Type.Integer(), memory_stats: MemoryStatsSchema
})

export const SessionParamsSchema = Type.Object({ session_id: Type.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }) })

export const SessionSchema = Type.Object({
  session_id: Type.String(),
  messages: Type.Array(Type.Object({ role: Type.String(), content: Type.String() })),
  conversation_length: Type.Integer(),
  memory_stats: MemoryStatsSchema
})
