// The one error handler and the one 404 handler. Routes throw errors from the catalogue
// (services/lib/errors.ts) and never build error bodies; each route's `config.errorShape` says which
// shape its clients read (services/lib/error-shapes.ts), 'gateway' by default. A routes folder serving
// a protocol gives all its routes and unmatched paths one shape with `fastify.errorRenderer.scope(fastify, shape)`.
// Register it before any plugin or route that declares routes: a Fastify route context keeps the
// error handler that was set when it was created.
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import { renderError, type ErrorShape, type RenderableError } from '../services/lib/error-shapes.js'
import { isGatewayError, MalformedRequestError, MethodNotAllowedError, RETRY_AFTER_SECONDS, RouteNotFoundError } from '../services/lib/errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The error body this route's clients read; 'gateway' when unset. */
    errorShape?: ErrorShape
  }
  interface FastifyInstance {
    errorRenderer: ReturnType<typeof createErrorRenderer>
  }
}

/** The fields of an "unavailable" warn line: the code, the status and, when there is one, the cause's message. */
function unavailable (err: RenderableError, status: number): Record<string, unknown> {
  const cause = (err as { cause?: unknown }).cause
  const retry = (err as { retryAfterSeconds?: number }).retryAfterSeconds
  return {
    code: err.code,
    statusCode: status,
    ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
    ...(cause instanceof Error ? { cause: cause.message } : {})
  }
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']

export function createErrorRenderer () {
  // Unmatched paths have no route config: their shape is the one of the scope whose 404 handler took them.
  const scopes = new WeakMap<FastifyInstance, ErrorShape>()
  // Errors raised before routing (a URL Fastify cannot route) have no scope either: their URL prefix says whose they are.
  const prefixes: Array<[string, ErrorShape]> = []
  const shapeOfUrl = (url: string): ErrorShape => {
    const path = url.split('?')[0]
    let best: [string, ErrorShape] | undefined
    for (const p of prefixes) if ((path === p[0] || path.startsWith(p[0] + '/')) && p[0].length > (best?.[0].length ?? -1)) best = p
    return best?.[1] ?? 'gateway'
  }
  const shapeOf = (request: FastifyRequest): ErrorShape =>
    request.routeOptions.config?.errorShape ?? scopes.get(request.server) ?? 'gateway'

  function send (err: RenderableError, request: FastifyRequest, reply: FastifyReply, log = true) {
    const { status, body } = renderError(err, shapeOf(request), request.headers['content-type'])
    // A dependency that is down or slow (the catalogue's 503 and 504) is an operating condition, not a
    // bug: one warn line naming it, without a stack. Any other 5xx is logged at error with its stack.
    if (log && (status === 503 || status === 504) && isGatewayError(err)) request.log.warn(unavailable(err, status), err.message)
    else if (log && status >= 500) request.log.error({ err }, err.message)
    else if (log) request.log.info({ code: err.code, message: err.message }, 'request rejected')
    // Every 503 says when to come back: an open circuit its remaining cool-down, anything else 1 s.
    if (status === 503) reply.header('retry-after', String((err as { retryAfterSeconds?: number }).retryAfterSeconds ?? RETRY_AFTER_SECONDS))
    // A 405 names the methods the path does take (RFC 9110).
    const allow = (err as { allow?: string[] }).allow
    if (status === 405 && allow !== undefined) reply.header('allow', allow.join(', '))
    return reply.code(status).send(body)
  }

  /** The error an unmatched request answers with, as each protocol does it. */
  function unmatched (request: FastifyRequest): RenderableError {
    const { method, url } = request
    const shape = shapeOf(request)
    if (shape === 'tf-serving') return new MalformedRequestError(method, url) // TF Serving: a path outside its grammar is a 400
    const path = url.split('?')[0]
    const allow = shape === 'v2' ? METHODS.filter((m) => m !== method && request.server.findRoute({ method: m, url: path }) !== null) : []
    if (allow.length > 0) {
      return Object.assign(new MethodNotAllowedError(method, path), { allow }) // Triton: a known path with another method is a 405
    }
    return new RouteNotFoundError(method, url)
  }

  const errorHandler = (err: RenderableError, request: FastifyRequest, reply: FastifyReply) => send(err, request, reply)
  // Unmatched paths are not logged as rejections: the request's own log line has the 404.
  const notFoundHandler = (request: FastifyRequest, reply: FastifyReply) => send(unmatched(request), request, reply, false)
  /**
   * Fastify's `frameworkErrors` (errors raised before routing: a URL parameter longer than
   * maxParamLength is 414, an undecodable URL 400), in the shape of the prefix the URL falls under.
   */
  function frameworkErrors (err: RenderableError, request: FastifyRequest, reply: FastifyReply) {
    const { status, body } = renderError(err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? Object.assign(new Error('URI Too Long: a path segment (such as the model name) exceeds the 100-character limit'), { statusCode: 414, code: err.code })
      : err, shapeOfUrl(request.url), request.headers['content-type'])
    request.log.info({ code: err.code, message: err.message }, 'request rejected')
    return reply.code(status).send(body)
  }

  return {
    errorHandler,
    notFoundHandler,
    frameworkErrors,
    /** Gives `instance`'s routes registered from now on, and the paths under its prefix that match none, one shape. */
    scope (instance: FastifyInstance, shape: ErrorShape): void {
      scopes.set(instance, shape)
      if (instance.prefix !== '') prefixes.push([instance.prefix, shape])
      instance.addHook('onRoute', (route) => { route.config = { ...route.config, errorShape: route.config?.errorShape ?? shape } })
      instance.setNotFoundHandler(notFoundHandler)
    }
  }
}

export default fp(async function errorRendererPlugin (fastify) {
  const renderer = createErrorRenderer()
  fastify.decorate('errorRenderer', renderer)
  fastify.setErrorHandler(renderer.errorHandler)
  fastify.setNotFoundHandler(renderer.notFoundHandler)
}, { name: 'error-renderer' })
