// KServe V2 server endpoints: metadata, health, statistics of every model, and the model repository
// extension (index; load and unload behind the admin token).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ProtocolUnsupportedError, TensorInvalidError } from '../../services/lib/errors.js'
import { RepositoryIndexSchema, ServerMetadataSchema, StatisticsSchema, V2ErrorSchema } from '../../schemas/v2.js'

const tags = ['kserve-v2']

/** An optional JSON object body (the v2 scope reads bodies as bytes); `what` names it in the 400. */
function optionalJson (raw: unknown, what: string): Record<string, unknown> {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {}
  let parsed: unknown
  try { parsed = JSON.parse(raw.toString('utf8')) } catch { throw new TensorInvalidError(`${what} body must be a JSON object`) }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TensorInvalidError(`${what} body must be a JSON object`)
  return parsed as Record<string, unknown>
}

/** Load and unload take the model directory as it is on disk: Triton's config and file overrides are refused. */
function repositoryParameters (body: Record<string, unknown>, what: string): void {
  const unknown = Object.keys(body).filter((k) => k !== 'parameters')
  if (unknown.length > 0) throw new TensorInvalidError(`${what} body takes only "parameters"; '${unknown[0]}' is not a known field`)
  const params = body.parameters
  if (params === undefined) return
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new TensorInvalidError(`${what} "parameters" must be an object`)
  const overrides = Object.keys(params).filter((k) => k === 'config' || k.startsWith('file:'))
  if (overrides.length > 0) throw new ProtocolUnsupportedError(`${what} parameter '${overrides[0]}' is not supported: the gateway loads the model directory as it is on disk`)
}

const serverRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { kserve } = fastify

  fastify.get('/', {
    schema: { tags, summary: 'Server metadata (name, version, extensions)', response: { 200: ServerMetadataSchema } }
  }, async () => kserve.serverMetadata())

  fastify.get('/health/live', {
    schema: { tags, summary: 'Server liveness: 200 {"live": true}', response: { 200: Type.Object({ live: Type.Boolean() }) } }
  }, async () => ({ live: true }))

  fastify.get('/health/ready', {
    schema: {
      tags,
      summary: 'Server readiness: 200 {"ready": true} when the default model is loaded, else 503 {"ready": false}',
      response: { 200: Type.Object({ ready: Type.Boolean() }), 503: Type.Object({ ready: Type.Boolean() }) }
    }
  }, async (_request, reply) => {
    const ready = kserve.serverReady()
    return reply.code(ready ? 200 : 503).send({ ready })
  })

  fastify.get('/models/stats', {
    schema: { tags, summary: 'Statistics of every loaded model version', response: { 200: StatisticsSchema } }
  }, async () => kserve.statistics())

  fastify.post('/repository/index', {
    schema: {
      tags,
      summary: 'Models in the repository and their state (a bare JSON array); body optional: {"ready": true}',
      // What the document states; the bytes are parsed (and refused with 400) by the handler. An empty
      // body or JSON null: every model.
      body: Type.Union([Type.Object({ ready: Type.Optional(Type.Boolean()) }), Type.Null()], { description: '{"ready": boolean}, or empty' }),
      response: { 200: RepositoryIndexSchema, 400: V2ErrorSchema }
    }
  }, async (request) => {
    const raw = request.body
    const flag = (Buffer.isBuffer(raw) && raw.toString('utf8').trim() === 'null' ? {} : optionalJson(raw, 'repository index')).ready
    if (flag !== undefined && typeof flag !== 'boolean') throw new TensorInvalidError('repository index "ready" must be a boolean')
    return kserve.repositoryIndex(flag === true)
  })

  const adminErrors = { 400: V2ErrorSchema, 401: V2ErrorSchema, 403: V2ErrorSchema, 404: V2ErrorSchema, 501: V2ErrorSchema, 503: V2ErrorSchema }
  const modelName = Type.Object({ model: Type.String({ minLength: 1 }) })

  fastify.post('/repository/models/:model/load', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags,
      summary: 'Load (or reload) every version of a model directory under MODELS_DIR; admin token required. 200 with an empty body, as Triton',
      params: modelName,
      body: Type.Optional(Type.Unknown({ description: 'optional {"parameters": {...}}; "config" and "file:" overrides are refused (501)' })),
      response: { 200: Type.Unknown({ description: 'an empty body, as Triton answers' }), ...adminErrors }
    }
  }, async (request, reply) => {
    repositoryParameters(optionalJson(request.body, 'load'), 'load')
    await kserve.loadModel(request.params.model)
    return reply.code(200).send()
  })

  fastify.post('/repository/models/:model/unload', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags,
      summary: 'Unload every version of a model (queued requests finish first); admin token required. 200 with an empty body, as Triton',
      params: modelName,
      body: Type.Optional(Type.Unknown({ description: 'optional {"parameters": {"unload_dependents": boolean}}' })),
      response: { 200: Type.Unknown({ description: 'an empty body, as Triton answers' }), ...adminErrors }
    }
  }, async (request, reply) => {
    repositoryParameters(optionalJson(request.body, 'unload'), 'unload')
    await kserve.unloadModel(request.params.model)
    return reply.code(200).send()
  })
}

export default serverRoutes
