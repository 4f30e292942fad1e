// OpenAI-compatible chat completions and embeddings mapped onto Ollama, so OpenAI SDK users can point
// their base URL at the gateway. Shapes and defaults follow Ollama's own /v1 layer
// (reference/llm_gateways.md 1.8), errors use OpenAI's {"error": {...}} shape (the error renderer's 'openai').
import { randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { ChatResponse } from '../../services/llm/types.js'
import { openaiError } from '../../services/lib/error-shapes.js'

const Message = Type.Object({ role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant'), Type.Literal('tool')]), content: Type.String() })
const OpenAIError = Type.Object({ error: Type.Object({ message: Type.String(), type: Type.String(), param: Type.Null(), code: Type.Union([Type.String(), Type.Null()]) }) })

const ChatCompletionRequest = Type.Object({
  model: Type.String({ minLength: 1 }),
  messages: Type.Array(Message, { minItems: 1 }),
  temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 2 })),
  top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  max_tokens: Type.Optional(Type.Integer({ minimum: 1 })),
  seed: Type.Optional(Type.Integer()),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  frequency_penalty: Type.Optional(Type.Number()),
  presence_penalty: Type.Optional(Type.Number()),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) }))
})

const Usage = Type.Object({ prompt_tokens: Type.Integer(), completion_tokens: Type.Optional(Type.Integer()), total_tokens: Type.Integer() })
const ChatCompletion = Type.Object({
  id: Type.String(), object: Type.String(), created: Type.Integer(), model: Type.String(), system_fingerprint: Type.String(),
  choices: Type.Array(Type.Object({ index: Type.Integer(), message: Type.Object({ role: Type.String(), content: Type.String() }), finish_reason: Type.String() })),
  usage: Usage
})
const Embeddings = Type.Object({
  object: Type.String(),
  data: Type.Array(Type.Object({ object: Type.String(), embedding: Type.Array(Type.Number()), index: Type.Integer() })),
  model: Type.String(),
  usage: Usage
})

const finishReason = (r: { done_reason?: string }) => r.done_reason === 'length' ? 'length' : 'stop'
const usageOf = (r: ChatResponse) => ({ prompt_tokens: r.prompt_eval_count ?? 0, completion_tokens: r.eval_count ?? 0, total_tokens: (r.prompt_eval_count ?? 0) + (r.eval_count ?? 0) })

const openai: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ollama } = fastify
  const config = { errorShape: 'openai' as const }

  fastify.post('/chat/completions', {
    config,
    schema: {
      tags: ['llm', 'openai'],
      summary: 'OpenAI-compatible chat completion (stream: true gives server-sent events ending with data: [DONE])',
      body: ChatCompletionRequest,
      response: { 200: ChatCompletion, 400: OpenAIError, 404: OpenAIError, 502: OpenAIError, 503: OpenAIError, 504: OpenAIError }
    }
  }, async (request, reply) => {
    const b = request.body
    // Ollama's /v1 layer: temperature and top_p default to 1.0 when absent (native defaults differ).
    const options = {
      temperature: b.temperature ?? 1, top_p: b.top_p ?? 1, num_predict: b.max_tokens, seed: b.seed,
      stop: typeof b.stop === 'string' ? [b.stop] : b.stop, frequency_penalty: b.frequency_penalty, presence_penalty: b.presence_penalty
    }
    const id = `chatcmpl-${randomBytes(6).toString('hex')}`
    const created = Math.floor(Date.now() / 1000)
    const base = { id, created, model: b.model, system_fingerprint: 'fp_ollama' }

    if (b.stream !== true) {
      const r = await ollama.chat({ model: b.model, messages: b.messages, options })
      ollama.record('/v1/chat/completions', b.model, 'success', r)
      return {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: r.message.content }, finish_reason: finishReason(r) }],
        usage: usageOf(r)
      }
    }

    const chunks = ollama.chatStream({ model: b.model, messages: b.messages, options })
    const first = await chunks.next() // failures before the first chunk keep their HTTP status
    const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`
    const chunk = (delta: object, finish: string | null) => event({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })
    async function * events () {
      let current = first
      let role = true
      try {
        while (current.done !== true) {
          const c = current.value
          if (c.done) {
            yield chunk({}, finishReason(c))
            if (b.stream_options?.include_usage === true) yield event({ ...base, object: 'chat.completion.chunk', choices: [], usage: usageOf(c) })
          } else {
            yield chunk(role ? { role: 'assistant', content: c.message.content } : { content: c.message.content }, null)
            role = false
          }
          current = await chunks.next()
        }
        ollama.record('/v1/chat/completions', b.model, 'success')
      } catch (err) {
        ollama.record('/v1/chat/completions', b.model, 'failure')
        yield event(openaiError(err as Error))
      }
      yield 'data: [DONE]\n\n'
    }
    reply.header('cache-control', 'no-cache')
    return reply.type('text/event-stream').send(Readable.from(events()) as never) // a stream skips the serializer
  })

  fastify.post('/embeddings', {
    config,
    schema: {
      tags: ['llm', 'openai'],
      summary: 'OpenAI-compatible embeddings',
      body: Type.Object({
        model: Type.String({ minLength: 1 }),
        input: Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2048 })]),
        encoding_format: Type.Optional(Type.Literal('float')),
        dimensions: Type.Optional(Type.Integer({ minimum: 1 }))
      }),
      response: { 200: Embeddings, 400: OpenAIError, 404: OpenAIError, 502: OpenAIError, 503: OpenAIError, 504: OpenAIError }
    }
  }, async (request) => {
    const { model, input, dimensions } = request.body
    const r = await ollama.embed({ model, input: Array.isArray(input) ? input : [input], dimensions })
    const tokens = r.prompt_eval_count ?? 0
    return {
      object: 'list',
      data: r.embeddings.map((embedding, index) => ({ object: 'embedding', embedding, index })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens }
    }
  })
}

export default openai
