// Seed phase 4: drift of the newest logged predictions against the served version's training data.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { DriftQuerySchema, DriftReportSchema } from '../../../schemas/drift.js'
import { ErrorSchema } from '../../../schemas/iris.js'

const driftReport: FastifyPluginAsyncTypebox = async (fastify) => {
  const { driftMonitor, config } = fastify

  fastify.get('/drift-report', {
    schema: {
      tags: ['monitoring'],
      summary: 'Drift report: recent predictions vs the model version\'s training data',
      description: 'Per-feature test chosen as Evidently does (KS / chi-square / Z for a reference of at most 1000 rows, ' +
        'normalised Wasserstein / Jensen-Shannon above), the predicted-class distribution, dataset drift when at least half ' +
        'the columns drifted. Fewer than DRIFT_MIN_SAMPLES rows give monitoring_status INSUFFICIENT_DATA. format=html returns ' +
        'the self-contained HTML report, which is also written to DATA_DIR/drift_report.html.',
      querystring: DriftQuerySchema(config.DRIFT_MAX_LIMIT),
      produces: ['application/json', 'text/html'],
      response: { 200: DriftReportSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const { model, version, limit, format } = request.query
    const { report, html } = await driftMonitor.report({ model: model ?? config.DEFAULT_MODEL, version, limit: limit ?? config.DRIFT_DEFAULT_LIMIT })
    // A string with a non-JSON content type is sent as is (the JSON schema only types the default form).
    if (format === 'html') return reply.type('text/html; charset=utf-8').send(html as never)
    return report
  })
}

export default driftReport
