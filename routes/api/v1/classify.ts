// Iris classification on the in-process ONNX models: one sample, a batch, and the detailed view.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification, toRows } from '../../../services/classification.js'
import {
  BatchRequestSchema, BatchResponseSchema, ClassificationSchema, ErrorSchema, IrisFeaturesSchema, ModelSelectorSchema
} from '../../../services/schemas/iris.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }

const classifyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { onnx, config, driftLogger } = fastify

  fastify.post('/classify', {
    schema: {
      tags: ['classification'],
      summary: 'Classify one Iris sample',
      description: 'Runs the default (or the named) ONNX model. Concurrent requests are batched into one model run.',
      querystring: ModelSelectorSchema,
      body: IrisFeaturesSchema,
      response: { 200: ClassificationSchema, ...errors }
    }
  }, async (request, reply) => {
    const model = onnx.get(request.query.model ?? config.DEFAULT_MODEL, request.query.version)
    const prediction = await onnx.predict(model, toRows(model, [request.body]), 1)
    const result = toClassification(model, prediction, 0, rangeWarnings(model, request.body))
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
