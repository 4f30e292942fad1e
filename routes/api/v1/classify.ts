// Iris classification on the in-process ONNX models: one sample, a batch, and the detailed view.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification, toRows } from '../../../services/classification.js'
import {
  BatchRequestSchema, BatchResponseSchema, ClassificationSchema, ErrorSchema, IrisFeaturesSchema, ModelSelectorSchema
} from '../../../services/schemas/iris.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }

const classifyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { onnx, config, cache, driftLogger } = fastify

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
    const model = onnx.get(request.query.model ?? config.DEFAULT_MODEL, request.query.version)
    const { body } = request
    const key = () => cache.plainKey('classify', [model.name, model.version, model.sha256, body.sepal_length, body.sepal_width, body.petal_length, body.petal_width])
    const result = await cache.reply(request, reply, key, async () => {
      const prediction = await onnx.predict(model, toRows(model, [request.body]), 1)
      return toClassification(model, prediction, 0, rangeWarnings(model, request.body))
    })
    // Cached answers are served answers too: the drift log sees every one.
    driftLogger.logPredictions({ route: request.routeOptions.url ?? request.url, model: result.model, latencyMs: reply.elapsedTime, instances: [request.body], predictions: [result] })
    return result
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
    const model = onnx.get(request.query.model ?? config.DEFAULT_MODEL, request.query.version)
    const prediction = await onnx.predict(model, toRows(model, instances), instances.length)
    const predictions = instances.map((inst, i) => toClassification(model, prediction, i, rangeWarnings(model, inst)))
    driftLogger.logPredictions({ route: request.routeOptions.url ?? request.url, model: { name: model.name, version: model.version }, latencyMs: reply.elapsedTime, instances, predictions })
    return { predictions, batch_size: instances.length, model: { name: model.name, version: model.version } }
  })
}

export default classifyRoutes
