// /health reports every dependency; /health/live says the process answers; /health/ready says
// whether every critical dependency is up (503 otherwise), for load balancers and orchestrators.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'

const started = Date.now()

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')]),
  timestamp: Type.String(),
  uptime_seconds: Type.Number(),
  dependencies: Type.Record(Type.String(), Type.Object({ status: Type.String() }, { additionalProperties: true }))
})

const health: FastifyPluginAsyncTypebox = async (fastify) => {
  async function summary () {
    const dependencies = await fastify.health.report()
    const states = Object.values(dependencies)
    const criticalDown = states.some((d) => d.critical === true && d.status === 'down')
    const anyDown = states.some((d) => d.status === 'down' || d.status === 'degraded')
    return {
      status: criticalDown ? 'down' as const : anyDown ? 'degraded' as const : 'ok' as const,
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((Date.now() - started) / 1000),
      dependencies
    }
  }

  fastify.get('/', {
    schema: { tags: ['health'], summary: 'Gateway and dependency state', response: { 200: HealthSchema } }
  }, summary)

  fastify.get('/live', {
    schema: { tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } }
  }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', {
    schema: { tags: ['health'], summary: 'Readiness: every critical dependency is up (503 otherwise)', response: { 200: HealthSchema, 503: HealthSchema } }
  }, async (request, reply) => {
    const result = await summary()
    return reply.code(result.status === 'down' ? 503 : 200).send(result)
  })
}

export default health
