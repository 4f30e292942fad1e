// OpenAI-compatible chat completions, embeddings and model list mapped onto Ollama, so OpenAI SDK
// users can point their base URL at the gateway (services/llm/openai.ts does the mapping). Errors use
// OpenAI's {"error": {...}} shape (the error renderer's 'openai', set by each route's config), so
// the SDKs raise their own exception classes.
import { randomBytes } from 'node:crypto'
import type { FastifyError } from 'fastify'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { BadRequestError } from '../../services/lib/errors.js'
import { cancelOnClose } from '../../services/lib/ndjson.js'
import { openaiError } from '../../services/lib/error-shapes.js'
import { base64Embedding, finishReason, modelList, toOllamaChat, tooLong, usageOf } from '../../services/llm/openai.js'
import {
  ChatCompletionRequestSchema, ChatCompletionSchema, EmbeddingsRequestSchema, EmbeddingsSchema, ModelListSchema, OpenAIErrorSchema
} from '../../schemas/openai.js'

const errors = { 400: OpenAIErrorSchema, 404: OpenAIErrorSchema, 502: OpenAIErrorSchema, 503: OpenAIErrorSchema, 504: OpenAIErrorSchema }

const openai: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ollama, config } = fastify
  const routeConfig = { errorShape: 'openai' as const }

  /** PROMPT_MAX_CHARS applies here as on the native routes: a 400 naming the field. */
  function checkLength (messages: Parameters<typeof tooLong>[1], input: Parameters<typeof tooLong>[2]) {
    const param = tooLong(config.PROMPT_MAX_CHARS, messages, input)
    if (param !== null) throw Object.assign(new BadRequestError(`${param} must NOT have more than ${config.PROMPT_MAX_CHARS} characters (PROMPT_MAX_CHARS)`), { param })
  }

  fastify.post('/chat/completions', {
    config: routeConfig,
    schema: {
      tags: ['llm', 'openai'],
      summary: 'OpenAI-compatible chat completion (stream: true gives server-sent events ending with data: [DONE])',
      description: 'developer messages become system messages; text parts are joined by newlines; max_completion_tokens (or max_tokens), ' +
        'seed and stop become Ollama options; response_format json_object becomes format "json", json_schema its schema.',
      body: ChatCompletionRequestSchema,
      response: { 200: ChatCompletionSchema, ...errors }
    }
  }, async (request, reply) => {
    const b = request.body
    checkLength(b.messages, null)
    const req = toOllamaChat(b)
    const route = { route: request.routeOptions.url }
    const id = `chatcmpl-${randomBytes(6).toString('hex')}`
    const base = { id, created: Math.floor(Date.now() / 1000), model: b.model, system_fingerprint: 'fp_ollama' }

    if (b.stream !== true) {
      const r = await ollama.chat(req, route)
      return {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: r.message.content }, finish_reason: finishReason(r) }],
        usage: usageOf(r)
      }
    }

    const chunks = ollama.chatStream(req, route)
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
      } catch (err) {
        // Headers are gone: the failure travels as an error event in OpenAI's shape (a stream failure is a 502 unless coded).
        const e = err as FastifyError
        yield event(openaiError({ message: e.message, code: e.code, statusCode: e.statusCode ?? 502 }))
      }
      yield 'data: [DONE]\n\n'
    }
    reply.header('cache-control', 'no-cache')
    return reply.type('text/event-stream').send(cancelOnClose(events(), chunks) as never) // a stream skips the serializer
  })

  fastify.post('/embeddings', {
    config: routeConfig,
    schema: {
      tags: ['llm', 'openai'],
      summary: 'OpenAI-compatible embeddings (encoding_format float, or base64 of little-endian float32 as the SDKs ask by default)',
      body: EmbeddingsRequestSchema,
      response: { 200: EmbeddingsSchema, ...errors }
    }
  }, async (request) => {
    const { model, input, dimensions, encoding_format: encoding } = request.body
    checkLength(null, input)
    const r = await ollama.embed({ model, input: Array.isArray(input) ? input : [input], dimensions }, { route: request.routeOptions.url })
    const tokens = r.prompt_eval_count ?? 0
    return {
      object: 'list',
      data: r.embeddings.map((embedding, index) => ({ object: 'embedding', embedding: encoding === 'base64' ? base64Embedding(embedding) : embedding, index })),
      model,
      usage: { prompt_tokens: tokens, total_tokens: tokens }
    }
  })

  // The exact path /v1/models is free: TF Serving (routes/v1/models/) has no list call, only /v1/models/{name}...
  fastify.get('/models', {
    config: routeConfig,
    schema: { tags: ['llm', 'openai'], summary: "OpenAI-compatible model list: Ollama's local models (/api/tags)", response: { 200: ModelListSchema, 502: OpenAIErrorSchema, 503: OpenAIErrorSchema, 504: OpenAIErrorSchema } }
  }, async () => modelList(await ollama.models()))
}

export default openai
