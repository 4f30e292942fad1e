// A gateway reduced to its serving fronts, for `npm run serve:inference` (the seed's standalone
// HTTP inference server: KServe V2 and TF-Serving REST) and `npm run serve:grpc` (the gRPC front
// alone). Same plugins and routes as the gateway, so the answers are the same, and every prediction
// reaches the prediction log (DATA_DIR, or the Redis stream when REDIS_URL is set) as on the gateway.
import Fastify from 'fastify'
import closeWithGrace from 'close-with-grace'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import configPlugin from '../plugins/config.js'
import { loadConfig } from '../schemas/config.js'
import metricsPlugin from '../plugins/metrics.js'
import healthPlugin from '../plugins/health.js'
import onnxPlugin from '../plugins/onnx.js'
import redisPlugin from '../plugins/redis.js'
import cachePlugin from '../plugins/cache.js'
import driftLoggerPlugin from '../plugins/drift-logger.js'
import inferencePlugin from '../plugins/inference.js'
import kservePlugin from '../plugins/kserve.js'
import grpcServerPlugin from '../plugins/grpc-server.js'
import healthRoutes from '../routes/health/index.js'
import v2Routes from '../routes/v2/index.js'
import tfServingRoutes from '../routes/v1/models/index.js'
import { createValidatorCompiler } from '../services/lib/validation.js'

export interface ServingAppOptions {
  env: Record<string, string | undefined>
  /** Serve the V2 and TF Serving REST fronts over HTTP. */
  http: boolean
}

export async function buildServingApp (opts: ServingAppOptions) {
  const config = loadConfig(opts.env)
  const app = Fastify({ logger: { level: config.LOG_LEVEL }, pluginTimeout: config.PLUGIN_TIMEOUT_MS, routerOptions: { ignoreTrailingSlash: true } }).withTypeProvider<TypeBoxTypeProvider>()
  app.setValidatorCompiler(createValidatorCompiler())
  await app.register(configPlugin, { config })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(onnxPlugin)
  await app.register(redisPlugin)
  await app.register(cachePlugin)
  await app.register(driftLoggerPlugin)
  await app.register(inferencePlugin)
  await app.register(kservePlugin)
  await app.register(grpcServerPlugin)
  if (opts.http) {
    await app.register(healthRoutes, { prefix: '/health' })
    await app.register(v2Routes, { prefix: '/v2' })
    await app.register(tfServingRoutes, { prefix: '/v1/models' })
  }
  return app
}

/** Runs a serving app until SIGINT/SIGTERM, closing models and servers on the way out. */
export async function runServingApp (opts: ServingAppOptions) {
  const app = await buildServingApp(opts)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  await app.ready()
  if (opts.http) await app.listen({ host: app.config.HOST, port: app.config.PORT })
  return app
}
