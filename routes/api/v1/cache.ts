// Cache statistics and the admin flush.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { CacheStatsSchema, FlushQuerySchema, FlushResponseSchema } from '../../../schemas/cache.js'
import { ErrorSchema } from '../../../schemas/iris.js'
import { cacheStatsReport } from '../../../services/cache/stats.js'

const cacheRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { cache, semanticCache, config } = fastify

  fastify.get('/cache/stats', {
    schema: {
      tags: ['cache'],
      summary: 'Exact and semantic cache hits, misses, hit ratio, similarity histogram and latency saved',
      description: 'Counts are this replica\'s since start (or the last flush); /metrics has the same counters for Prometheus.',
      response: { 200: CacheStatsSchema }
    }
  }, async () => cacheStatsReport(cache, semanticCache, { redis: fastify.redis !== undefined, threshold: config.SEMANTIC_THRESHOLD }))

  fastify.post('/cache/flush', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags: ['cache'],
      summary: 'Empty the exact and/or semantic cache (admin bearer token)',
      description: 'With Redis the shared entries are removed for every replica. Statistics are reset when both caches are flushed.',
      security: [{ adminToken: [] }],
      querystring: FlushQuerySchema,
      response: { 200: FlushResponseSchema, 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request) => {
    const which = request.query.cache ?? 'all'
    const exact = which === 'semantic' ? null : await cache.flush()
    const semantic = which === 'exact' ? null : await semanticCache.flush()
    if (which === 'all') cache.stats.reset()
    request.log.info({ exact, semantic }, 'cache flushed')
    return { flushed: { exact, semantic }, stats_reset: which === 'all' }
  })
}

export default cacheRoutes
