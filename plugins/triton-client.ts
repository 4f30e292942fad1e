// Client of a real Triton Inference Server (KServe V2 over HTTP and gRPC). Disabled, and shown as
// such in /health, unless TRITON_URL or TRITON_GRPC_URL is set.
import fp from 'fastify-plugin'
import { UpstreamNotConfiguredError } from '../services/lib/errors.js'
import { loadServices } from '../services/protocols/grpc/protos.js'
import { createKServeClient, type V2Protocol } from '../services/protocols/kserve/client/client.js'

declare module 'fastify' {
  interface FastifyInstance {
    tritonClient: ReturnType<typeof createTritonClient>
  }
}

export interface TritonClientOptions {
  httpUrl: string
  grpcUrl: string
  model: string
  protocol: V2Protocol
  timeoutMs: number
  breaker?: { threshold?: number, coolDownMs?: number }
}

/** The V2 client plus the gateway's defaults: which model and protocol, and whether it is enabled. */
export function createTritonClient (opts: TritonClientOptions) {
  const enabled = opts.httpUrl !== '' || opts.grpcUrl !== ''
  const client = createKServeClient({
    upstream: 'Triton', httpUrl: opts.httpUrl, grpcUrl: opts.grpcUrl, timeoutMs: opts.timeoutMs, breaker: opts.breaker, GrpcClient: loadServices().GRPCInferenceService
  })
  // The configured protocol, unless only the other transport is configured.
  const protocol: V2Protocol = opts.protocol === 'grpc'
    ? (client.grpcConfigured ? 'grpc' : 'http-binary')
    : (client.httpConfigured ? opts.protocol : 'grpc')
  return {
    ...client,
    enabled,
    model: opts.model,
    protocol,
    assertEnabled () {
      if (!enabled) throw new UpstreamNotConfiguredError('Triton', 'TRITON_URL or TRITON_GRPC_URL')
    }
  }
}

export default fp(async function tritonClientPlugin (fastify) {
  const { config, health } = fastify
  const triton = createTritonClient({
    httpUrl: config.TRITON_URL,
    grpcUrl: config.TRITON_GRPC_URL,
    model: config.TRITON_MODEL,
    protocol: config.TRITON_PROTOCOL,
    timeoutMs: config.SERVING_TIMEOUT_MS,
    breaker: { threshold: config.UPSTREAM_BREAKER_THRESHOLD, coolDownMs: config.UPSTREAM_BREAKER_COOLDOWN_MS }
  })
  fastify.decorate('tritonClient', triton)
  health.register('triton', async () => {
    if (!triton.enabled) return { status: 'disabled', critical: false }
    const ready = await triton.probe(() => triton.modelReady(triton.model)).catch((err: Error) => err)
    if (ready instanceof Error) return { status: 'down', critical: false, error: ready.message }
    return { status: ready ? 'up' : 'degraded', critical: false, model: triton.model, model_ready: ready, protocol: triton.protocol }
  })
  fastify.addHook('onClose', async () => { await triton.close() })
}, { name: 'triton-client', dependencies: ['config', 'health'] })
