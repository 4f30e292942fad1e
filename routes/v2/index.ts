// The KServe V2 front (/v2), one encapsulated context with Triton's framing: bodies are read as
// bytes whatever the Content-Type (tritonclient sends none; binary tensors follow the JSON header),
// and errors and unknown paths answer {"error": "..."}. The sibling files hold the routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyError } from 'fastify'
import { protocolError } from '../../services/protocol-errors.js'
import { RETRY_AFTER_SECONDS } from '../../services/errors.js'
import serverRoutes from './server.js'
import modelRoutes from './models.js'

const v2: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: fastify.config.PROTOCOL_BODY_LIMIT }, (_req, body, done) => done(null, body))
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, body, retryAfter } = protocolError(err)
    if (status >= 500) request.log.error({ err }, err.message)
    else request.log.info({ code: err.code, message: err.message }, 'request rejected')
    if (retryAfter) reply.header('retry-after', String(RETRY_AFTER_SECONDS))
    return reply.code(status).send(body)
  })
  fastify.setNotFoundHandler((_request, reply) => { reply.code(404).send({ error: 'Not Found' }) })
  await fastify.register(serverRoutes)
  await fastify.register(modelRoutes)
}

export default v2
