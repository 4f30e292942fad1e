// The KServe V2 front (/v2), one encapsulated context with Triton's framing: bodies are read as
// bytes whatever the Content-Type (tritonclient sends none; binary tensors follow the JSON header),
// and errors and unknown paths answer {"error": "..."}. The sibling files hold the routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createGunzip, createInflate } from 'node:zlib'
import type { FastifyError } from 'fastify'
import { protocolError } from '../../services/lib/protocol-errors.js'
import { ProtocolUnsupportedError, RETRY_AFTER_SECONDS } from '../../services/lib/errors.js'
import serverRoutes from './server.js'
import modelRoutes from './models.js'

const KNOWN_PATH = /^\/v2(?:\/health\/(?:live|ready)|\/repository\/index|\/models\/stats|\/models\/[^/]+(?:\/versions\/[0-9]+)?(?:\/(?:infer|ready|config|stats))?)?$/

const v2: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: fastify.config.PROTOCOL_BODY_LIMIT }, (_req, body, done) => done(null, body))
  // Request compression, as Triton accepts it (tritonclient's request_compression_algorithm); the
  // body limit then applies to the decompressed size.
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const encoding = request.headers['content-encoding']?.toLowerCase()
    if (encoding === undefined || encoding === 'identity') return payload
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      reply.header('accept-encoding', 'gzip, deflate')
      throw new ProtocolUnsupportedError(`unsupported Content-Encoding '${encoding}'; use gzip or deflate`)
    }
    const inflated = payload.pipe(encoding === 'gzip' ? createGunzip() : createInflate())
    // Fastify compares Content-Length with the bytes read from the socket, not the inflated ones.
    let received = 0
    payload.on('data', (chunk: Buffer) => { received += chunk.length })
    Object.defineProperty(inflated, 'receivedEncodedLength', { get: () => received })
    return inflated
  })
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const { status, body, retryAfter } = protocolError(err)
    if (status >= 500) request.log.error({ err }, err.message)
    else request.log.info({ code: err.code, message: err.message }, 'request rejected')
    if (retryAfter) reply.header('retry-after', String(RETRY_AFTER_SECONDS))
    return reply.code(status).send(body)
  })
  // Like Triton: a known path with the wrong method is 405, an unknown path 404.
  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0].replace(/\/+$/, '')
    if (KNOWN_PATH.test(path)) return reply.code(405).send({ error: 'Method Not Allowed' })
    return reply.code(404).send({ error: 'Not Found' })
  })
  await fastify.register(serverRoutes)
  await fastify.register(modelRoutes)
}

export default v2
