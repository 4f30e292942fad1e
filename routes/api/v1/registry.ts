// Admin routes of the model registry (bearer ADMIN_TOKEN): models, versions, registration,
// aliases (moving one hot-reloads it where it is served), legacy stages, alias history, reload.
// Model names are any MLflow accepts, URL-encoded in the path (schemas/registry.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ErrorSchema } from '../../../schemas/iris.js'
import { decodeBase64Strict } from '../../../services/inference/model-format.js'
import { AliasParamsSchema, ModelParamsSchema, NewVersionSchema, VersionParamsSchema, VersionSchema } from '../../../schemas/registry.js'

const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 422: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
// An artifact that is not ONNX (415) or ONNX that does not fit or run (422).
const refused = { 415: ErrorSchema, 422: ErrorSchema }
const tags = ['registry']
const security = [{ adminToken: [] }]

const registryRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { registry } = fastify
  const backend = registry.backend
  fastify.addHook('onRequest', fastify.requireAdmin)

  fastify.get('/registry/models', {
    schema: {
      tags,
      security,
      summary: 'Registered models with their aliases',
      response: {
        200: Type.Object({
          backend: Type.String(),
          models: Type.Array(Type.Object({ name: Type.String(), latest_version: Type.Union([Type.String(), Type.Null()]), aliases: Type.Record(Type.String(), Type.String()), versions: Type.Integer() })),
          served: Type.Array(Type.Object({ model: Type.String(), alias: Type.String(), version: Type.String() }))
        }),
        ...errors
      }
    }
  }, async () => ({ backend: backend.kind, models: await backend.listModels(), served: registry.serving.served() }))

  fastify.get('/registry/models/:name/versions', {
    schema: { tags, security, summary: 'Versions of a registered model', params: ModelParamsSchema, response: { 200: Type.Object({ versions: Type.Array(VersionSchema) }), ...errors } }
  }, async (request) => ({ versions: await backend.listVersions(request.params.name) }))

  fastify.post('/registry/models/:name/versions', {
    schema: {
      tags,
      security,
      summary: 'Register a new version (ONNX bytes as base64; checked: parses, fits its metadata, answers a probe batch)',
      params: ModelParamsSchema,
      body: NewVersionSchema,
      response: { 201: VersionSchema, ...errors, ...refused }
    }
  }, async (request, reply) => {
    const b = request.body
    const created = await backend.createVersion(request.params.name, {
      onnx: decodeBase64Strict('onnx_base64', b.onnx_base64), metadata: b.metadata ?? {}, metrics: b.metrics, params: b.params, tags: b.tags, source: 'api'
    })
    return reply.code(201).send(created)
  })

  fastify.get('/registry/models/:name/aliases/history', {
    schema: {
      tags,
      security,
      summary: 'Every alias change of a model, oldest first',
      params: ModelParamsSchema,
      response: { 200: Type.Object({ history: Type.Array(Type.Object({ at: Type.String(), model: Type.String(), alias: Type.String(), from: Type.Union([Type.String(), Type.Null()]), to: Type.Union([Type.String(), Type.Null()]) })) }), ...errors }
    }
  }, async (request) => ({ history: await backend.aliasHistory(request.params.name) }))

  const AliasResult = Type.Object({ model: Type.String(), alias: Type.String(), version: Type.Union([Type.String(), Type.Null()]), previous: Type.Union([Type.String(), Type.Null()]) })

  fastify.put('/registry/models/:name/aliases/:alias', {
    schema: {
      tags,
      security,
      summary: 'Point an alias at a version (loaded first; hot-reloads it where served)',
      params: AliasParamsSchema,
      body: Type.Object({ version: Type.String({ pattern: '^[0-9]+$' }) }, { additionalProperties: false }),
      response: { 200: AliasResult, ...errors, ...refused }
    }
  }, async (request) => {
    const { name, alias } = request.params
    // Load first (sha256, format gate, probe): an artifact that cannot serve never becomes the alias.
    await registry.serving.prepareMove(name, alias, request.body.version)
    const previous = await backend.setAlias(name, alias, request.body.version)
    await registry.serving.aliasChanged(name, alias, request.body.version)
    return { model: name, alias, version: request.body.version, previous }
  })

  fastify.delete('/registry/models/:name/aliases/:alias', {
    schema: { tags, security, summary: 'Delete an alias', params: AliasParamsSchema, response: { 200: AliasResult, ...errors } }
  }, async (request) => {
    const { name, alias } = request.params
    const previous = await backend.deleteAlias(name, alias)
    await registry.serving.aliasChanged(name, alias, null)
    return { model: name, alias, version: null, previous }
  })

  fastify.post('/registry/models/:name/versions/:version/stage', {
    schema: {
      tags,
      security,
      summary: 'Legacy stage transition (deprecated in MLflow; prefer aliases)',
      params: VersionParamsSchema,
      body: Type.Object({ stage: Type.String() }, { additionalProperties: false }),
      response: { 200: VersionSchema, ...errors }
    }
  }, async (request) => {
    const updated = await backend.setStage(request.params.name, request.params.version, request.body.stage)
    registry.serving.forgetStage(request.params.name, request.params.version)
    return updated
  })

  // Reload takes no parameters: whatever body a client sends (none, an empty JSON or form body,
  // curl's default form type) is accepted and ignored, in a scope of its own so the other routes
  // keep their JSON parser.
  await fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => { done(null, undefined) })
    scope.post('/registry/reload', {
      schema: {
        tags,
        security,
        summary: 'Re-read every served alias now (all at once, one deadline) and follow moves, deletions and re-created versions',
        response: {
          200: Type.Object({
            served: Type.Array(Type.Object({
              model: Type.String(),
              alias: Type.String(),
              version: Type.String(),
              status: Type.Union([Type.Literal('unchanged'), Type.Literal('moved'), Type.Literal('reloaded'), Type.Literal('deleted'), Type.Literal('failed')]),
              error: Type.Optional(Type.String())
            }))
          }),
          ...errors
        }
      }
    }, async () => ({ served: await registry.serving.refresh() }))
  })
}

export default registryRoutes
