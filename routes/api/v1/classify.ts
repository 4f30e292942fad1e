// Iris classification on the in-process ONNX models: one sample, a batch, and the detailed view.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification, toRows } from '../../../services/inference/classification.js'
import {
  BatchRequestSchema, BatchResponseSchema, ClassificationSchema, ErrorSchema, IrisFeaturesSchema, ModelSelectorSchema, type IrisFeatures
} from '../../../schemas/iris.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }

const classifyRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { onnx, config, cache, driftLogger } = fastify
  const classifyRoute = `${fastify.prefix}/classify`

  // The model part of a key (name, version, file digest) is the same for every request to a version:
  // made once. Equal to cache.plainKey('classify', [name, version, digest, ...features]).
  const prefixes = new WeakMap<object, string>()
  function classifyKey (model: { name: string, version: string, sha256: string }, f: IrisFeatures): string {
    let prefix = prefixes.get(model)
    if (prefix === undefined) {
      prefix = cache.plainKey('classify', [model.name, model.version, model.sha256]).slice(0, -1)
      prefixes.set(model, prefix)
    }
    return `${prefix},${f.sepal_length},${f.sepal_width},${f.petal_length},${f.petal_width}]`
  }

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
    const result = await cache.reply(request, reply, () => classifyKey(model, body), async () => {
      const prediction = await onnx.predict(model, toRows(model, [body]), 1)
      return toClassification(model, prediction, 0, rangeWarnings(model, body))
    })
    // Cached answers are served answers too: the drift log sees every one.
    driftLogger.logPredictions({ route: classifyRoute, model: result.model, latencyMs: reply.elapsedTime, instances: [body], predictions: [result] })
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
