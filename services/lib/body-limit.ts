// A byte limit on a request body stream, for routes whose limit depends on the request (KServe V2:
// JSON bodies get a smaller one than binary ones). Fastify's own bodyLimit is one number per route.
import { Transform, type Readable } from 'node:stream'
import { BodyTooLargeError } from './errors.js'

/**
 * `stream` passed through, failing with a 413 (GW_BODY_TOO_LARGE) as soon as more than `limit`
 * bytes came through, so an oversized body is refused before it is buffered. `what` names the limit
 * (the setting) in the message.
 */
export function capBody (stream: Readable, limit: number, what: string): Readable {
  let received = 0
  const capped = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      received += chunk.length
      if (received > limit) callback(new BodyTooLargeError(limit, what))
      else callback(null, chunk)
    }
  })
  stream.on('error', (err) => capped.destroy(err))
  // Fastify checks Content-Length against the bytes read from the socket, which a decompressing
  // stream reports as receivedEncodedLength: keep it visible.
  const encoded = Object.getOwnPropertyDescriptor(stream, 'receivedEncodedLength')
  if (encoded !== undefined) Object.defineProperty(capped, 'receivedEncodedLength', encoded)
  return stream.pipe(capped)
}
