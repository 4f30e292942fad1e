// Iris classification served from the model registry by alias (or version, or the deprecated
// stage). The alias is hot-reloaded: when it moves, the new version is loaded and swapped in.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification } from '../../../services/inference/classification.js'
import { RegistryVersionNotFoundError } from '../../../services/lib/errors.js'
import { ErrorSchema, IrisFeaturesSchema } from '../../../schemas/iris.js'
import { RegistryClassificationSchema, RegistryQuerySchema } from '../../../schemas/registry.js'

const classifyRegistryRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { registry, inference, config } = fastify
  const trackingUri = registry.backend.location

  fastify.post('/classify-registry', {
    schema: {
      tags: ['registry'],
      summary: 'Classify one Iris sample with a registry version (alias, version or deprecated stage)',
      description: 'alias defaults to production. stage=Production still works but answers with a Deprecation header: use aliases.',
      querystring: RegistryQuerySchema(config.MLFLOW_TRACKING_URI === ''),
      body: IrisFeaturesSchema,
      response: { 200: RegistryClassificationSchema, 400: ErrorSchema, 404: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
    }
  }, async (request, reply) => {
    const q = request.query
    const name = q.model_name ?? config.DEFAULT_MODEL
    let version = q.version
    if (q.stage !== undefined && version === undefined && q.alias === undefined) {
      // MLflow deprecated stages in 2.9 in favour of aliases; RFC 9745 Deprecation header.
      reply.header('deprecation', 'true').header('link', '</docs>; rel="deprecation"')
      const inStage = (await registry.backend.listVersions(name)).filter((v) => v.stage === q.stage)
      if (inStage.length === 0) throw new RegistryVersionNotFoundError(name, `in stage ${q.stage}`)
      version = inStage[inStage.length - 1].version
    }
    const { model, version: served, alias } = await registry.serving.resolve(name, { alias: q.alias, version })
    // No await between resolve and predict: the resolved version is enqueued before any swap can retire it.
    const prediction = await inference.predict({ model, rows: [request.body], route: request.routeOptions.url ?? request.url, reply })
    const result = toClassification(model, prediction, 0, rangeWarnings(model, request.body))
    const stage = await registry.serving.stageOf(name, served)
    return {
      ...result,
      model: { name, version: served },
      model_registry_info: {
        model_name: name,
        model_format: 'onnx',
        model_version: served,
        model_stage: stage,
        model_alias: alias,
        model_uri: alias === null ? `models:/${name}/${served}` : `models:/${name}@${alias}`,
        mlflow_tracking_uri: trackingUri
      }
    }
  })
}

export default classifyRegistryRoutes
