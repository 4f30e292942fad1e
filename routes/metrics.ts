import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const metricsRoute: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/metrics', {
    schema: { tags: ['monitoring'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] }
  }, async (request, reply) => {
    reply.type(fastify.metrics.registry.contentType)
    return fastify.metrics.registry.metrics()
  })
}

export default metricsRoute
