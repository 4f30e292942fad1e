// Iris classification on the in-process ONNX models: one sample, a batch, and the detailed view.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification } from '../../../services/inference/classification.js'
import { BatchRequestSchema, BatchResponseSchema, ClassificationSchema, ErrorSchema, IrisFeaturesSchema, ModelSelectorSchema } from '../../../schemas/iris.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }

const classifyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { inference, config } = fastify
  const classifyRoute = `${fastify.prefix}/classify`

  fastify.post('/classify', {
    schema: {
      tags: ['classification'],
      summary: 'Classify one Iris sample',
      description: 'Runs the default (or the named) ONNX model. Concurrent requests are batched into one model run. ' +
        'Answers are cached by model name, version, file digest and features (x-cache: HIT|MISS|BYPASS; Cache-Control: no-cache skips the lookup).',
      querystring: ModelSelectorSchema,
      body: IrisFeaturesSchema,
      response: { 200: ClassificationSchema, ...errors }
    }
  }, async (request, reply) => {
    const { body } = request
    const prediction = await inference.predict({ model: request.query.model ?? config.DEFAULT_MODEL, version: request.query.version, rows: [body], route: classifyRoute, request, reply, cache: true })
    return toClassification(prediction.model, prediction, 0, rangeWarnings(prediction.model, body))
  })

  fastify.post('/classify/batch', {
    schema: {
      tags: ['classification'],
      summary: 'Classify many Iris samples in one model run',
      querystring: ModelSelectorSchema,
      body: BatchRequestSchema(config.MAX_BATCH_INSTANCES),
      response: { 200: BatchResponseSchema, ...errors }
    }
  }, async (request, reply) => {
    const { instances } = request.body
    const prediction = await inference.predict({ model: request.query.model ?? config.DEFAULT_MODEL, version: request.query.version, rows: instances, route: request.routeOptions.url ?? request.url, reply })
    const model = prediction.model
    const predictions = instances.map((inst, i) => toClassification(model, prediction, i, rangeWarnings(model, inst)))
    return { predictions, batch_size: instances.length, model: { name: model.name, version: model.version } }
  })
}

export default classifyRoutes
