// Wires the gateway: plugins first (ordered by their declared dependencies), then routes.
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Fastify, { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import autoload from '@fastify/autoload'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { loadConfig, type Config } from './schemas/config.js'
import { createValidatorCompiler } from './services/lib/validation.js'
import errorRenderer, { type createErrorRenderer } from './plugins/error-renderer.js'

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
  // Set once the error renderer is registered (below), before the server takes requests.
  let renderer: ReturnType<typeof createErrorRenderer> | null = null
  const app = Fastify({
    logger: opts.logger ?? { level: config.LOG_LEVEL },
    bodyLimit: config.BODY_LIMIT,
    pluginTimeout: config.PLUGIN_TIMEOUT_MS,
    // Server timeouts (docs/configuration.md): a slow or stalled client is cut off, not held forever.
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: config.HTTP_CONNECTIONS_CHECK_MS },
    routerOptions: { ignoreTrailingSlash: true },
    logController: new OneLinePerRequest(),
    // Errors raised before routing (a too-long path parameter: 414) in the same shapes as every other error.
    frameworkErrors: (err, request, reply) => renderer?.frameworkErrors(err, request, reply)
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.setValidatorCompiler(createValidatorCompiler())
  // A body sent as text/plain is a client mistake here, better answered 415 than parsed as a string.
  app.removeContentTypeParser('text/plain')

  // The error renderer goes first: each route context keeps the error handler set when it was created,
  // and plugins (dashboard, swagger) declare routes too.
  await app.register(errorRenderer)
  renderer = app.errorRenderer
  const only = opts.only
  const pluginFilter = only === undefined ? undefined : (path: string) => only.plugins.includes(basename(path).replace(/\.[jt]s$/, ''))
  const routeFilter = only === undefined ? undefined : (path: string) => only.routes.some((prefix) => path.startsWith(`${prefix}/`))
  await app.register(autoload, { dir: join(here, 'plugins'), ignorePattern: /^error-renderer\./, options: { config }, matchFilter: pluginFilter })
  await app.register(autoload, { dir: join(here, 'routes'), autoHooks: true, cascadeHooks: true, matchFilter: routeFilter })

  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
