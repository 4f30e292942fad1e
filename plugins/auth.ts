// Bearer-token guard for admin routes (cache flush, aliases, reload, retrain): add
// `onRequest: fastify.requireAdmin` (or preHandler) to a route; onRequest rejects before the body
// is even parsed. Without ADMIN_TOKEN every admin route is closed.
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { AdminDisabledError, UnauthorizedError } from '../services/lib/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    requireAdmin: ReturnType<typeof createRequireAdmin>
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest()

export function createRequireAdmin (token: string) {
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  const expected = token === '' ? null : digest(token)
  // Only the Authorization header is read, so the gRPC front can pass its call metadata as headers.
  return async function requireAdmin (request: Pick<FastifyRequest, 'headers'>): Promise<void> {
    if (expected === null) throw new AdminDisabledError()
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
    if (match === null || !timingSafeEqual(digest(match[1]), expected)) throw new UnauthorizedError()
  }
}

export default fp(async function authPlugin (fastify) {
  fastify.decorate('requireAdmin', createRequireAdmin(fastify.config.ADMIN_TOKEN))
}, { name: 'auth', dependencies: ['config'] })
