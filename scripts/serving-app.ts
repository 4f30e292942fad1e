// A gateway reduced to its serving fronts, for `npm run serve:inference` (the seed's standalone
// HTTP inference server: KServe V2 and TF-Serving REST) and `npm run serve:grpc` (the gRPC front
// alone). Built by buildApp with a plugin filter: the same plugins, routes, error and 404 handlers
// as the gateway, so the answers are the same, and every prediction reaches the prediction log
// (DATA_DIR, or the Redis stream when REDIS_URL is set) as on the gateway.
import closeWithGrace from 'close-with-grace'
import { buildApp } from '../app.js'

export interface ServingAppOptions {
  env: Record<string, string | undefined>
  /** Serve the V2 and TF Serving REST fronts over HTTP. */
  http: boolean
}

/** The plugins the serving fronts need: the models, their metrics and prediction log, the admin check (repository load / unload), and the gRPC front. */
export const SERVING_PLUGINS = ['config', 'metrics', 'health', 'auth', 'onnx', 'redis', 'cache', 'drift-logger', 'inference', 'kserve', 'grpc-server']

export async function buildServingApp (opts: ServingAppOptions) {
  return await buildApp({
    env: opts.env,
    only: { plugins: SERVING_PLUGINS, routes: opts.http ? ['/health', '/v2', '/v1/models'] : [] }
  })
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
