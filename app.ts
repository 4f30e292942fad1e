// Wires the gateway: plugins first (ordered by their declared dependencies), then routes.
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import autoload from '@fastify/autoload'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { loadConfig, type Config } from './schemas/config.js'
import { createValidatorCompiler } from './services/lib/validation.js'
import { RETRY_AFTER_SECONDS } from './services/lib/errors.js'

const here = dirname(fileURLToPath(import.meta.url))

export interface AppOptions {
  /** Raw settings as environment strings; server.ts passes process.env, tests pass their own. */
  env?: Record<string, string | undefined>
  logger?: FastifyServerOptions['logger']
  /**
   * A reduced gateway (the standalone serving scripts): only these plugins (file names, e.g. 'onnx')
   * and route folders (URL prefixes, e.g. '/v2'). Each plugin's declared dependencies must be listed.
   */
  only?: { plugins: string[], routes: string[] }
}

/** Levels at which a completed request's info line is not written, so it need not be built either. */
const ABOVE_INFO = new Set(['warn', 'error', 'fatal', 'silent'])

/** One log line per request (Fastify's default is two), without headers, so no bearer token is logged. */
class OneLinePerRequest extends LogController {
  override incomingRequest (): void {}
  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (!error && ABOVE_INFO.has(reply.log.level)) return
    const line = { method: request.method, url: request.url, route: request.routeOptions.url, statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 100) / 100 }
    if (error) reply.log.error({ ...line, err: error }, 'request errored')
    else reply.log.info(line, 'request completed')
  }
}

export async function buildApp (opts: AppOptions = {}) {
  const config: Config = loadConfig(opts.env ?? {})
  const app = Fastify({
    logger: opts.logger ?? { level: config.LOG_LEVEL },
    bodyLimit: config.BODY_LIMIT,
    pluginTimeout: config.PLUGIN_TIMEOUT_MS,
    routerOptions: { ignoreTrailingSlash: true },
    logController: new OneLinePerRequest()
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())
  // A body sent as text/plain is a client mistake here, better answered 415 than parsed as a string.
  app.removeContentTypeParser('text/plain')

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500
    if (status >= 500) request.log.error({ err }, err.message)
    else request.log.info({ code: err.code, message: err.message }, 'request rejected')
    // Upstream 503s (down, busy, circuit open) say when to come back; a full local queue too.
    const retryAfter = (err as { retryAfterSeconds?: number }).retryAfterSeconds ?? (err.code === 'GW_QUEUE_FULL' ? RETRY_AFTER_SECONDS : undefined)
    if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter))
    reply.code(status).send({
      statusCode: status,
      code: err.code ?? 'GW_INTERNAL',
      error: httpReason(status),
      message: describe(err, request.headers['content-type'])
    })
  })

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ statusCode: 404, code: 'GW_ROUTE_NOT_FOUND', error: 'Not Found', message: `Route ${request.method} ${request.url} not found` })
  })

  // Handlers are set before the routes load: each route context keeps the handlers it was created with.
  const only = opts.only
  const pluginFilter = only === undefined ? undefined : (path: string) => only.plugins.includes(basename(path).replace(/\.[jt]s$/, ''))
  const routeFilter = only === undefined ? undefined : (path: string) => only.routes.some((prefix) => path.startsWith(`${prefix}/`))
  await app.register(autoload, { dir: join(here, 'plugins'), options: { config }, matchFilter: pluginFilter })
  await app.register(autoload, { dir: join(here, 'routes'), autoHooks: true, cascadeHooks: true, matchFilter: routeFilter })

  return app
}

function describe (err: FastifyError, contentType: string | undefined): string {
  if (err.validation !== undefined) return validationMessage(err)
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return `Unsupported Media Type: ${contentType ?? 'none'}; send application/json`
  if ((err.statusCode ?? 500) >= 500 && err.code === undefined) return 'Internal Server Error'
  return err.message
}

/** Ajv's message plus the offending name, which Ajv keeps in params (e.g. an unexpected property). */
function validationMessage (err: FastifyError): string {
  const first = err.validation![0]
  const params = first.params as Record<string, unknown>
  const name = params.additionalProperty ?? params.missingProperty
  const detail = params.additionalProperty !== undefined ? `: '${String(name)}' is not a known field` : ''
  return `${err.message}${detail}`
}

function httpReason (status: number): string {
  return ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' } as Record<number, string>)[status] ?? 'Error'
}

export type App = Awaited<ReturnType<typeof buildApp>>
