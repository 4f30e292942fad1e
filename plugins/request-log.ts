// One log line per request (Fastify's default is two: received and completed), without bodies or
// headers, so no secret (bearer tokens) reaches the log.
import fp from 'fastify-plugin'

export default fp(async function requestLogPlugin (fastify) {
  fastify.addHook('onResponse', async (request, reply) => {
    request.log.info({
      method: request.method,
      url: request.url,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 100) / 100
    }, 'request completed')
  })
}, { name: 'request-log' })
