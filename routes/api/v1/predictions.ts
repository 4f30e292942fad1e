// Export of the prediction log: CSV in the seed's production-log layout, or JSON records.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { loggedFeatureNames } from '../../../services/drift/stats/reference.js'
import { toCsv } from '../../../services/drift/log/record.js'
import { PredictionLogQuerySchema, PredictionLogSchema } from '../../../schemas/drift.js'
import { ErrorSchema } from '../../../schemas/iris.js'

const predictions: FastifyPluginAsyncTypebox = async (fastify) => {
  const { driftLogger, onnx, config } = fastify

  fastify.get('/predictions', {
    schema: {
      tags: ['monitoring'],
      summary: 'Export the newest logged predictions of a model (CSV by default)',
      description: 'CSV columns: timestamp, one per feature, prediction, confidence, model, version, latency_ms, route.',
      querystring: PredictionLogQuerySchema(config.DRIFT_MAX_LIMIT),
      produces: ['text/csv', 'application/json'],
      response: { 200: PredictionLogSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const { limit, format } = request.query
    // Only served models have a log; naming another is a 404, as for classification.
    const model = onnx.get(request.query.model ?? config.DEFAULT_MODEL)
    const [records, total] = await Promise.all([driftLogger.recent(model.name, limit ?? config.DRIFT_DEFAULT_LIMIT), driftLogger.count(model.name)])
    if (format === 'json') return { model: model.name, total, records }
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${model.name}-predictions.csv"`)
      .send(toCsv(records, loggedFeatureNames(model)) as never) // text, not serialised against the JSON schema
  })
}

export default predictions
