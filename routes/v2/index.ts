// The KServe V2 front (/v2), one encapsulated context with Triton's framing: bodies are read as
// bytes whatever the Content-Type (tritonclient sends none; binary tensors follow the JSON header),
// and errors and unknown paths answer {"error": "..."} (the error renderer's 'v2' shape). The sibling
// files hold the routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createGunzip, createInflate } from 'node:zlib'
import { ProtocolUnsupportedError } from '../../services/lib/errors.js'
import serverRoutes from './server.js'
import modelRoutes from './models.js'

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
  // Like Triton: a known path with the wrong method is 405, an unknown path 404.
  fastify.errorRenderer.scope(fastify, 'v2')
  await fastify.register(serverRoutes)
  await fastify.register(modelRoutes)
}

export default v2
