// Client of a real TensorFlow Serving (REST and gRPC PredictionService). Disabled, and shown as
// such in /health, unless TF_SERVING_URL or TF_SERVING_GRPC_URL is set.
import fp from 'fastify-plugin'
import { UpstreamNotConfiguredError } from '../services/lib/errors.js'
import { loadServices } from '../services/protocols/grpc/protos.js'
import { createTfServingClient as createClient, type TfServingProtocol } from '../services/protocols/tf-serving/client/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    tfServingClient: ReturnType<typeof createTfServingClient>
  }
}

export interface TfServingPluginOptions { restUrl: string, grpcUrl: string, model: string, protocol: TfServingProtocol, timeoutMs: number, breaker?: { threshold?: number, coolDownMs?: number } }

export function createTfServingClient (opts: TfServingPluginOptions) {
  const client = createClient({ ...opts, PredictionService: loadServices().PredictionService })
  const enabled = client.restConfigured || client.grpcConfigured
  const protocol: TfServingProtocol = opts.protocol === 'grpc' ? (client.grpcConfigured ? 'grpc' : 'rest') : (client.restConfigured ? 'rest' : 'grpc')
  // REST :predict does not say which version answered; the status does (cached briefly, as
  // versions change only on deploys).
  let served: { at: number, version: Promise<string | null> } | null = null
  const servedVersion = async (): Promise<string | null> => {
    if (served === null || Date.now() - served.at > 10_000) {
      served = {
        at: Date.now(),
        version: client.status(opts.model).then((s) => s.model_version_status.filter((v) => v.state === 'AVAILABLE').map((v) => v.version).sort((a, b) => Number(b) - Number(a))[0] ?? null, () => null)
      }
    }
    return await served.version
  }
  return {
    ...client,
    enabled,
    model: opts.model,
    protocol,
    servedVersion,
    assertEnabled () {
      if (!enabled) throw new UpstreamNotConfiguredError('TF Serving', 'TF_SERVING_URL or TF_SERVING_GRPC_URL')
    }
  }
}

export default fp(async function tfServingClientPlugin (fastify) {
  const { config, health } = fastify
  const tfs = createTfServingClient({
    restUrl: config.TF_SERVING_URL,
    grpcUrl: config.TF_SERVING_GRPC_URL,
    model: config.TF_SERVING_MODEL,
    protocol: config.TF_SERVING_PROTOCOL,
    timeoutMs: config.SERVING_TIMEOUT_MS,
    breaker: { threshold: config.UPSTREAM_BREAKER_THRESHOLD, coolDownMs: config.UPSTREAM_BREAKER_COOLDOWN_MS }
  })
  fastify.decorate('tfServingClient', tfs)
  health.register('tf_serving', async () => {
    if (!tfs.enabled) return { status: 'disabled', critical: false }
    if (!tfs.restConfigured) return { status: 'up', critical: false, protocol: 'grpc', note: 'gRPC only: status is checked on use' }
    const status = await tfs.probe(() => tfs.status(tfs.model)).catch((err: Error) => err)
    if (status instanceof Error) return { status: 'down', critical: false, error: status.message }
    const available = status.model_version_status.filter((v) => v.state === 'AVAILABLE').map((v) => v.version)
    return { status: available.length > 0 ? 'up' : 'degraded', critical: false, model: tfs.model, versions: available, protocol: tfs.protocol }
  })
  fastify.addHook('onClose', async () => { await tfs.close() })
}, { name: 'tf-serving-client', dependencies: ['config', 'health'] })
