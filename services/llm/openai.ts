// OpenAI's chat and embeddings requests mapped onto Ollama's native API and Ollama's answers shaped as
// OpenAI's. Defaults follow Ollama's own /v1 layer (reference/llm_gateways.md 1.8). Plain module.
import type { ChatRequest, ChatResponse, Message, TagsResponse } from './types.js'

export type OpenAIContent = string | Array<{ type: 'text', text: string }>
export interface OpenAIMessage { role: 'system' | 'developer' | 'user' | 'assistant' | 'tool', content: OpenAIContent }
export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema', json_schema: { name: string, schema?: Record<string, unknown> } }

export interface OpenAIChatRequest {
  model: string
  messages: OpenAIMessage[]
  temperature?: number
  top_p?: number
  max_tokens?: number
  max_completion_tokens?: number
  seed?: number
  stop?: string | string[]
  frequency_penalty?: number
  presence_penalty?: number
  response_format?: ResponseFormat
}

/** The text of a message: a string, or its text parts joined by newlines. */
export const textOf = (content: OpenAIContent) => typeof content === 'string' ? content : content.map((p) => p.text).join('\n')

/** Ollama has no 'developer' role: OpenAI's newer name for system instructions maps to 'system'. */
const roleOf = (role: OpenAIMessage['role']): Message['role'] => role === 'developer' ? 'system' : role

/** The Ollama /api/chat request for an OpenAI chat completion request. */
export function toOllamaChat (b: OpenAIChatRequest): ChatRequest {
  const options: Record<string, unknown> = {
    // Ollama's /v1 layer: temperature and top_p default to 1.0 when absent (native defaults differ).
    temperature: b.temperature ?? 1,
    top_p: b.top_p ?? 1,
    // max_completion_tokens is the newer name of max_tokens (which OpenAI deprecates).
    num_predict: b.max_completion_tokens ?? b.max_tokens,
    seed: b.seed,
    stop: typeof b.stop === 'string' ? [b.stop] : b.stop,
    frequency_penalty: b.frequency_penalty,
    presence_penalty: b.presence_penalty
  }
  const format = b.response_format?.type === 'json_object'
    ? 'json'
    : b.response_format?.type === 'json_schema' ? b.response_format.json_schema.schema ?? 'json' : undefined
  return {
    model: b.model,
    messages: b.messages.map((m) => ({ role: roleOf(m.role), content: textOf(m.content) })),
    options,
    ...(format === undefined ? {} : { format })
  }
}

/** The first text over `max` characters, as OpenAI names request fields (messages[2].content, input[0]), or null. */
export function tooLong (max: number, messages: OpenAIMessage[] | null, input: string | string[] | null): string | null {
  for (const [i, m] of (messages ?? []).entries()) if (textOf(m.content).length > max) return `messages[${i}].content`
  if (typeof input === 'string') return input.length > max ? 'input' : null
  for (const [i, s] of (input ?? []).entries()) if (s.length > max) return `input[${i}]`
  return null
}

export const finishReason = (r: { done_reason?: string }) => r.done_reason === 'length' ? 'length' : 'stop'

export const usageOf = (r: ChatResponse) => ({ prompt_tokens: r.prompt_eval_count ?? 0, completion_tokens: r.eval_count ?? 0, total_tokens: (r.prompt_eval_count ?? 0) + (r.eval_count ?? 0) })

/** OpenAI's encoding_format "base64": the vector's float32 values, little-endian, base64-encoded. */
export function base64Embedding (vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4)
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i], i * 4)
  return bytes.toString('base64')
}

/** GET /v1/models: Ollama's local models in OpenAI's list shape (as Ollama's own /v1/models). */
export function modelList (models: TagsResponse['models']) {
  return {
    object: 'list' as const,
    data: models.map((m) => ({
      id: m.name,
      object: 'model' as const,
      created: m.modified_at === undefined ? 0 : Math.floor(Date.parse(m.modified_at) / 1000) || 0,
      owned_by: m.name.includes('/') ? m.name.slice(0, m.name.indexOf('/')) : 'library'
    }))
  }
}
