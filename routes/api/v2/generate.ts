// API v2 (seed phase 3): the same generation with a metadata block.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorSchema } from '../../../schemas/iris.js'
import { OptionsSchema } from '../../../schemas/llm.js'

const generateV2: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ollama, config } = fastify

  fastify.post('/generate', {
    schema: {
      tags: ['llm'],
      summary: 'Generate text (v2): the answer with api_version, model_used, response_time_ms, token_count, timestamp',
      body: Type.Object({
        prompt: Type.String({ minLength: 1, maxLength: config.PROMPT_MAX_CHARS }),
        model_version: Type.Optional(Type.String({ minLength: 1, description: 'Ollama model (default OLLAMA_MODEL)' })),
        options: Type.Optional(OptionsSchema)
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          response: Type.String(),
          metadata: Type.Object({
            api_version: Type.Literal('v2'),
            model_used: Type.String(),
            response_time_ms: Type.Number(),
            token_count: Type.Integer({ description: "Ollama's eval_count (tokens generated)" }),
            prompt_token_count: Type.Integer(),
            timestamp: Type.String()
          })
        }),
        400: ErrorSchema,
        404: ErrorSchema,
        502: ErrorSchema,
        503: ErrorSchema,
        504: ErrorSchema
      }
    }
  }, async (request) => {
    const start = performance.now()
    const model = request.body.model_version ?? ollama.defaultModel
    const r = await ollama.generate({ model, prompt: request.body.prompt, options: request.body.options }, { route: request.routeOptions.url })
    return {
      response: r.response,
      metadata: {
        api_version: 'v2' as const,
        model_used: r.model,
        response_time_ms: Math.round((performance.now() - start) * 100) / 100,
        token_count: r.eval_count ?? 0,
        prompt_token_count: r.prompt_eval_count ?? 0,
        timestamp: new Date().toISOString()
      }
    }
  })
}

export default generateV2
