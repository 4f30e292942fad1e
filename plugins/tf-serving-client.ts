// Client of a real TensorFlow Serving (REST and gRPC PredictionService). Disabled, and shown as
// such in /health, unless TF_SERVING_URL or TF_SERVING_GRPC_URL is set.
import fp from 'fastify-plugin'
import { UpstreamNotConfiguredError } from '../services/errors.js'
import { loadServices } from '../services/grpc/protos.js'
import { createTfServingClient as createClient, type TfServingProtocol } from '../services/tf-serving-client/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    tfServingClient: ReturnType<typeof createTfServingClient>
  }
}

export interface TfServingPluginOptions { restUrl: string, grpcUrl: string, model: string, protocol: TfServingProtocol, timeoutMs: number }

export function createTfServingClient (opts: TfServingPluginOptions) {
  const client = createClient({ ...opts, PredictionService: loadServices().PredictionService })
  const enabled = client.restConfigured || client.grpcConfigured
  const protocol: TfServingProtocol = opts.protocol === 'grpc' ? (client.grpcConfigured ? 'grpc' : 'rest') : (client.restConfigured ? 'rest' : 'grpc')
  return {
    ...client,
    enabled,
    model: opts.model,
    protocol,
    assertEnabled () {
      if (!enabled) throw new UpstreamNotConfiguredError('TF Serving', 'TF_SERVING_URL or TF_SERVING_GRPC_URL')
    }
  }
}

export default fp(async function tfServingClientPlugin (fastify) {
  const { config, health } = fastify
  const tfs = createTfServingClient({
    restUrl: config.TF_SERVING_URL, grpcUrl: config.TF_SERVING_GRPC_URL, model: config.TF_SERVING_MODEL, protocol: config.TF_SERVING_PROTOCOL, timeoutMs: config.SERVING_TIMEOUT_MS
  })
  fastify.decorate('tfServingClient', tfs)
  health.register('tf_serving', async () => {
    if (!tfs.enabled) return { status: 'disabled', critical: false }
    if (!tfs.restConfigured) return { status: 'up', critical: false, protocol: 'grpc', note: 'gRPC only: status is checked on use' }
    const status = await tfs.status(tfs.model).catch((err: Error) => err)
    if (status instanceof Error) return { status: 'down', critical: false, error: status.message }
    const available = status.model_version_status.filter((v) => v.state === 'AVAILABLE').map((v) => v.version)
    return { status: available.length > 0 ? 'up' : 'degraded', critical: false, model: tfs.model, versions: available, protocol: tfs.protocol }
  })
  fastify.addHook('onClose', async () => { await tfs.close() })
}, { name: 'tf-serving-client', dependencies: ['config', 'health'] })
