// The ceiling: a bare Fastify JSON echo route, same logger settings as the gateway under bench.
// Whatever the gateway does per request costs something on top of this.
import Fastify from 'fastify'

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
app.post('/echo', async (request) => request.body)
app.get('/health/live', async () => ({ status: 'ok' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
