// Stateless generation through Ollama (seed phase 1), and the screened variant with the seed's
// security_analysis. Deterministic requests (temperature 0 or a fixed seed) use the exact cache.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ndjsonStream } from '../../../services/lib/ndjson.js'
import type { GenerateResponse } from '../../../services/llm/types.js'
import { ErrorSchema } from '../../../schemas/iris.js'
import { PromptBlockedError, withDetails } from '../../../services/lib/errors.js'
import {
  BlockedResponseSchema, GenerateRequestSchema, GenerateResponseSchema, SecureGenerateRequestSchema, SecureGenerateResponseSchema, type SamplingOptions
} from '../../../schemas/llm.js'

const upstreamErrors = { 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }

export const toUsage = (r: GenerateResponse) => ({
  prompt_tokens: r.prompt_eval_count ?? 0, completion_tokens: r.eval_count ?? 0, total_duration_ms: (r.total_duration ?? 0) / 1e6
})

const generateRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ollama, cache, promptGuard, config } = fastify

  /** One complete (non-streamed) generation, from the exact cache when the request is deterministic. */
  async function complete (request: Parameters<typeof cache.reply>[0], reply: Parameters<typeof cache.reply>[1], req: { model: string, prompt: string, system?: string, options?: SamplingOptions }) {
    const route = request.routeOptions.url
    if (!cache.isDeterministic(req.options)) {
      reply.header('x-cache', 'BYPASS')
      return await ollama.generate(req, { route })
    }
    return await ollama.generate(req, {
      route,
      cache: (upstream) => cache.reply(request, reply, cache.key('generate', req), upstream, { cacheable: (r) => r.done && (r.done_reason ?? 'stop') === 'stop' })
    })
  }

  fastify.post('/generate', {
    schema: {
      tags: ['llm'],
      summary: 'Generate text with Ollama (stateless); stream: true gives NDJSON chunks',
      body: GenerateRequestSchema(config.PROMPT_MAX_CHARS),
      response: { 200: GenerateResponseSchema, ...upstreamErrors }
    }
  }, async (request, reply) => {
    const { prompt, system, options, stream } = request.body
    const model = request.body.model ?? ollama.defaultModel
    if (stream === true) {
      const body = await ndjsonStream(ollama.generateStream({ model, prompt, system, options }, { route: request.routeOptions.url }), (c) => c)
      return reply.type('application/x-ndjson').send(body as never) // a stream skips the response serializer
    }
    const r = await complete(request, reply, { model, prompt, system, options })
    return { response: r.response, model: r.model, done_reason: r.done_reason ?? 'stop', usage: toUsage(r) }
  })

  fastify.post('/generate-secure', {
    schema: {
      tags: ['llm', 'security'],
      summary: 'Generate after prompt-injection screening; blocked prompts get 400 with the analysis',
      body: SecureGenerateRequestSchema,
      response: { 200: SecureGenerateResponseSchema, 400: BlockedResponseSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
    }
  }, async (request, reply) => {
    const analysis = promptGuard.analyse(request.body.prompt)
    if (analysis.blocked) {
      request.log.warn({ patterns: analysis.detected_patterns }, 'prompt blocked')
      throw withDetails(new PromptBlockedError(analysis.detected_patterns.join(', ')), { security_analysis: analysis })
    }
    const model = request.body.model ?? ollama.defaultModel
    const r = await complete(request, reply, { model, prompt: promptGuard.sanitise(request.body.prompt), options: request.body.options })
    return { response: r.response, model: r.model, security_analysis: analysis }
  })
}

export default generateRoutes
