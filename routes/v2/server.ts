// KServe V2 server endpoints: metadata, health, statistics of every model, the repository index.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { TensorInvalidError } from '../../services/lib/errors.js'
import { RepositoryIndexSchema, ServerMetadataSchema, StatisticsSchema, V2ErrorSchema } from '../../schemas/v2.js'

const tags = ['kserve-v2']

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
      body: Type.Optional(Type.Unknown({ description: '{"ready": boolean} or empty' })),
      response: { 200: RepositoryIndexSchema, 400: V2ErrorSchema }
    }
  }, async (request) => {
    const raw = request.body as Buffer | undefined
    let ready = false
    if (raw !== undefined && raw.length > 0) {
      let parsed: unknown
      try { parsed = JSON.parse(raw.toString('utf8')) } catch { throw new TensorInvalidError('repository index body must be JSON: {"ready": boolean}') }
      const flag = (parsed as { ready?: unknown } | null)?.ready
      if (flag !== undefined && typeof flag !== 'boolean') throw new TensorInvalidError('repository index "ready" must be a boolean')
      ready = flag === true
    }
    return kserve.repositoryIndex(ready)
  })
}

export default serverRoutes
