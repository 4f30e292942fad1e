// Retraining with the accuracy gate, on demand (admin). The same run as `npm run retrain` and RETRAIN_CRON.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorSchema } from '../../../schemas/iris.js'
import { TrainOverridesSchema } from '../../../schemas/registry.js'

const retrainRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/retrain', {
    onRequest: fastify.requireAdmin,
    // No body at all (curl -X POST) means "config.json as is".
    preValidation: async (request) => { if (request.body === undefined || request.body === null) request.body = {} },
    schema: {
      tags: ['registry'],
      security: [{ adminToken: [] }],
      summary: 'Train a candidate, gate it on accuracy, register it, promote it to production if it passes',
      description: 'The optional body overrides config.json train params for this run. The decision is appended to notifications.log.',
      body: TrainOverridesSchema,
      response: {
        200: Type.Object({
          decision: Type.Union([Type.Literal('promoted'), Type.Literal('rejected')]),
          model: Type.String(),
          version: Type.String(),
          accuracy_percent: Type.Number(),
          production: Type.Union([Type.Null(), Type.Object({ version: Type.String(), accuracy_percent: Type.Number() })]),
          min_accuracy_percent: Type.Number(),
          reasons: Type.Array(Type.String()),
          at: Type.String()
        }),
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        409: ErrorSchema
      }
    }
  }, async (request) => fastify.retrain.run(request.body))
}

export default retrainRoutes
