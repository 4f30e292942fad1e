// A clean drain before close, for SIGTERM (server.ts): stop accepting connections, let in-flight
// requests finish, answer each with `Connection: close` so keep-alive clients stop reusing the
// socket, close sockets that stay idle, then resolve, so `fastify.close()` flushes the prediction log
// with every answered request in it. Node's own server.close() closes idle keep-alive sockets at
// once, racing clients that are just sending their next request on them (ECONNRESET); here a socket
// is closed only after it answered with `Connection: close`, or after `idleMs` without a request.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { Server as NetServer, type Socket } from 'node:net'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyInstance {
    drain: ReturnType<typeof createDrain>
  }
}

interface SocketState { busy: ServerResponse | null, idleSince: number }

export function createDrain (server: Server, opts: { idleMs: number, now?: () => number, pollMs?: number }) {
  const now = opts.now ?? Date.now
  const sockets = new Map<Socket, SocketState>()
  let draining: Promise<void> | null = null
  let idleClosed = 0

  // Prepended: they run before Fastify's handler, which may answer synchronously.
  server.prependListener('connection', (socket: Socket) => {
    sockets.set(socket, { busy: null, idleSince: now() })
    socket.once('close', () => sockets.delete(socket))
  })
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = sockets.get(req.socket)
    if (draining !== null && !res.headersSent) res.setHeader('connection', 'close')
    if (state === undefined) return
    state.busy = res
    res.once('finish', () => { state.busy = null; state.idleSince = now() })
  })

  return {
    get draining (): boolean { return draining !== null },
    /** Open client connections (for /health and tests). */
    get connections (): number { return sockets.size },
    /** Keep-alive sockets the drain closed because they stayed idle (the others closed after answering). */
    get idleClosed (): number { return idleClosed },
    /** Resolves once every connection has closed; calling it again returns the same drain. */
    start (): Promise<void> {
      if (draining !== null) return draining
      draining = new Promise<void>((resolve) => {
        for (const state of sockets.values()) {
          if (state.busy !== null && !state.busy.headersSent) state.busy.setHeader('connection', 'close')
        }
        // net.Server's close stops accepting without http.Server's closeIdleConnections().
        if (server.listening) NetServer.prototype.close.call(server)
        const sweep = () => {
          const t = now()
          for (const [socket, state] of sockets) {
            if (state.busy === null && t - state.idleSince >= opts.idleMs && !socket.writableEnded) { idleClosed++; socket.end() }
          }
          if (sockets.size === 0) { clearInterval(timer); resolve() }
        }
        const timer = setInterval(sweep, opts.pollMs ?? 25)
        sweep()
      })
      return draining
    }
  }
}

export default fp(async function drainPlugin (fastify) {
  fastify.decorate('drain', createDrain(fastify.server, { idleMs: fastify.config.SHUTDOWN_IDLE_CLOSE_MS }))
}, { name: 'drain', dependencies: ['config'] })
