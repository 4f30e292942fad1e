// The KServe V2 front (/v2), one encapsulated context with Triton's framing: bodies are read as
// bytes whatever the Content-Type (tritonclient sends none; binary tensors follow the JSON header),
// and errors and unknown paths answer {"error": "..."} (the error renderer's 'v2' shape). The sibling
// files hold the routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { createGunzip, createInflate } from 'node:zlib'
import { BodyTooLargeError, ProtocolUnsupportedError } from '../../services/lib/errors.js'
import { capBody } from '../../services/lib/body-limit.js'
import serverRoutes from './server.js'
import modelRoutes from './models.js'

const v2: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: fastify.config.PROTOCOL_BODY_LIMIT }, (_req, body, done) => done(null, body))
  // Request compression, as Triton accepts it (tritonclient's request_compression_algorithm); the
  // body limit then applies to the decompressed size.
  // A JSON body (no Inference-Header-Content-Length) gets the JSON limit: parsing 30 MB of JSON
  // numbers costs ~1.5 GB and seconds of event loop; binary tensors cost their size.
  const { PROTOCOL_BODY_LIMIT, PROTOCOL_JSON_BODY_LIMIT } = fastify.config
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const json = request.headers['inference-header-content-length'] === undefined
    const [limit, setting] = json && PROTOCOL_JSON_BODY_LIMIT < PROTOCOL_BODY_LIMIT
      ? [PROTOCOL_JSON_BODY_LIMIT, 'PROTOCOL_JSON_BODY_LIMIT, a JSON body']
      : [PROTOCOL_BODY_LIMIT, 'PROTOCOL_BODY_LIMIT']
    if (Number(request.headers['content-length']) > limit) throw new BodyTooLargeError(limit, setting)
    // Beyond PROTOCOL_BODY_LIMIT, the content-type parser refuses the body itself.
    const cap = (stream: typeof payload) => limit < PROTOCOL_BODY_LIMIT ? capBody(stream, limit, setting) : stream
    const encoding = request.headers['content-encoding']?.toLowerCase()
    if (encoding === undefined || encoding === 'identity') return cap(payload)
    if (encoding !== 'gzip' && encoding !== 'deflate') {
      reply.header('accept-encoding', 'gzip, deflate')
      throw new ProtocolUnsupportedError(`unsupported Content-Encoding '${encoding}'; use gzip or deflate`)
    }
    const inflated = payload.pipe(encoding === 'gzip' ? createGunzip() : createInflate())
    // Fastify compares Content-Length with the bytes read from the socket, not the inflated ones.
    let received = 0
    payload.on('data', (chunk: Buffer) => { received += chunk.length })
    Object.defineProperty(inflated, 'receivedEncodedLength', { get: () => received })
    return cap(inflated)
  })
  // Like Triton: a known path with the wrong method is 405, an unknown path 404.
  fastify.errorRenderer.scope(fastify, 'v2')
  await fastify.register(serverRoutes)
  await fastify.register(modelRoutes)
}

export default v2
