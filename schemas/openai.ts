// Schemas of the OpenAI-compatible routes (/v1/chat/completions, /v1/embeddings, /v1/models): the
// request fields OpenAI's SDKs send, and OpenAI's answer and error shapes.
import { Type } from '@sinclair/typebox'

// PROMPT_MAX_CHARS bounds each message's text and each embedding input; the routes check it
// (services/llm/openai.ts tooLong) so the 400 names the field instead of listing anyOf branches.
const MessageSchema = Type.Object({
  role: Type.Union([Type.Literal('system'), Type.Literal('developer'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]),
  content: Type.Union([
    Type.String(),
    Type.Array(Type.Object({ type: Type.Literal('text'), text: Type.String() }), { minItems: 1, description: 'text parts only (no images)' })
  ])
})

const ResponseFormatSchema = Type.Union([
  Type.Object({ type: Type.Literal('text') }),
  Type.Object({ type: Type.Literal('json_object') }, { description: 'Ollama format "json"' }),
  Type.Object({ type: Type.Literal('json_schema'), json_schema: Type.Object({ name: Type.String(), schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())), strict: Type.Optional(Type.Boolean()) }) }, { description: 'Ollama format = the schema' })
])

export const ChatCompletionRequestSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(MessageSchema, { minItems: 1, description: 'each message text at most PROMPT_MAX_CHARS characters' }),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1, description: 'Ollama options.num_predict' })),
  max_completion_tokens: Type.Optional(Type.Integer({ minimum: 1, description: 'Ollama options.num_predict (the newer name of max_tokens; wins over it)' })),
  seed: Type.Optional(Type.Integer({ description: 'Ollama options.seed' })),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 4 })], { description: 'Ollama options.stop' })),
  frequency_penalty: Type.Optional(Type.Number()),
  presence_penalty: Type.Optional(Type.Number()),
  response_format: Type.Optional(ResponseFormatSchema),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }))
})

export const EmbeddingsRequestSchema = Type.Object({
  model: Type.String({ minLength: 1 }),
  input: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2048 })], { description: 'each input at most PROMPT_MAX_CHARS characters' }),
  encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')], { description: 'base64: little-endian float32 bytes (what the OpenAI SDKs ask for by default)' })),
  dimensions: Type.Optional(Type.Integer({ minimum: 1 }))
})

export const OpenAIErrorSchema = Type.Object({
  error: Type.Object({ message: Type.String(), type: Type.String(), param: Type.Union([Type.String(), Type.Null()]), code: Type.Union([Type.String(), Type.Null()]) })
})

const UsageSchema = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Optional(Type.Integer()), total_tokens: Type.Integer() })

export const ChatCompletionSchema = Type.Object({
  id: Type.String(),
  object: Type.String(),
  created: Type.Integer(),
  model: Type.String(),
  system_fingerprint: Type.String(),
  choices: Type.Array(Type.Object({ index: Type.Integer(), message: Type.Object({ role: Type.String(), content: Type.String() }), finish_reason: Type.String() })),
  usage: UsageSchema
})

export const EmbeddingsSchema = Type.Object({
  object: Type.String(),
  data: Type.Array(Type.Object({ object: Type.String(), embedding: Type.Union([Type.Array(Type.Number()), Type.String()]), index: Type.Integer() })),
  model: Type.String(),
  usage: UsageSchema
})

export const ModelListSchema = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Object({ id: Type.String(), object: Type.Literal('model'), created: Type.Integer(), owned_by: Type.String() }))
})
