// The gRPC front: the seed's iris service and Triton's inference.GRPCInferenceService on one port,
// through the same models and adaptive batcher as the HTTP routes. https://grpc.github.io/grpc/node/
import * as grpc from '@grpc/grpc-js'
import fp from 'fastify-plugin'
import type { ModelStore } from '../services/inference/model-store.js'
import type { KServe } from '../services/protocols/kserve/server/inference.js'
import type { Inference } from '../services/inference/prediction-path.js'
import { Counter, Histogram, type Registry } from 'prom-client'
import { instrument, loadServices, strictDecoding, type CallObserver } from '../services/protocols/grpc/protos.js'
import { createIrisService } from '../services/protocols/grpc/iris-service.js'
import { createKServeService, type Authorize } from '../services/protocols/grpc/kserve-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** null when GRPC_ENABLED=false. */
    grpcServer: ReturnType<typeof createGrpcServer> | null
  }
}

export interface GrpcServerOptions {
  store: ModelStore
  inference: Inference
  kserve: KServe
  /** The admin check of the repository load / unload calls (the Authorization metadata). */
  authorize: Authorize
  defaultModel: string
  maxBatchInstances: number
  host: string
  port: number
  maxMessageBytes: number
  observe?: CallObserver
}

/**
 * Builds the server; `listen()` binds it. `port` is then the bound one (useful with port 0), or
 * `error` says why it could not bind.
 */
export function createGrpcServer (opts: GrpcServerOptions) {
  const services = loadServices()
  // grpc-js receives at most 4 MiB by default; tensors need more (Triton allows INT32_MAX).
  const server = new grpc.Server({ 'grpc.max_receive_message_length': opts.maxMessageBytes, 'grpc.max_send_message_length': opts.maxMessageBytes })
  const observe: CallObserver = opts.observe ?? (() => {})
  server.addService(strictDecoding(services.IrisInferenceService.service), instrument('iris.InferenceService', createIrisService(opts), observe))
  server.addService(strictDecoding(services.GRPCInferenceService.service), instrument('inference.GRPCInferenceService', createKServeService(opts.kserve, opts.authorize), observe, services.GRPCInferenceService.service))
  const address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`
  const front = {
    server,
    port: null as number | null,
    error: null as string | null,
    async listen (): Promise<void> {
      try {
        front.port = await new Promise<number>((resolve, reject) => {
          server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => err !== null ? reject(err) : resolve(bound))
        })
      } catch (err) {
        front.error = `cannot listen on ${address}: ${(err as Error).message}`
      }
    },
    /** Lets in-flight calls finish for up to `graceMs`, then cuts the rest. */
    close: (graceMs = 5000) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve() }, graceMs)
      server.tryShutdown(() => { clearTimeout(timer); resolve() })
    })
  }
  return front
}

/** Per-call metrics, named as go-grpc-prometheus names them; the code label is the gRPC status name. */
function grpcMetrics (registry: Registry): CallObserver {
  const labelNames = ['grpc_service', 'grpc_method', 'grpc_code'] as const
  const handled = new Counter({ name: 'grpc_server_handled_total', help: 'gRPC calls completed, by service, method and status', labelNames, registers: [registry] })
  const seconds = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'gRPC call duration, by service and method',
    labelNames: ['grpc_service', 'grpc_method'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry]
  })
  return (service, method, code, s) => {
    handled.inc({ grpc_service: service, grpc_method: method, grpc_code: grpc.status[code] })
    seconds.observe({ grpc_service: service, grpc_method: method }, s)
  }
}

export default fp(async function grpcServerPlugin (fastify) {
  const { config, onnx, inference, kserve, health, log, metrics, requireAdmin } = fastify
  if (!config.GRPC_ENABLED) {
    health.register('grpc', () => ({ status: 'disabled', critical: false }))
    fastify.decorate('grpcServer', null)
    return
  }
  const front = createGrpcServer({
    store: onnx,
    inference,
    kserve,
    authorize: requireAdmin,
    defaultModel: config.DEFAULT_MODEL,
    maxBatchInstances: config.MAX_BATCH_INSTANCES,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    maxMessageBytes: config.GRPC_MAX_MESSAGE_BYTES,
    observe: grpcMetrics(metrics.registry)
  })
  // Registering opens no socket: the port is bound once the app is ready (every plugin loaded).
  // A taken gRPC port must not take the HTTP gateway down with it: it is logged and shown in /health.
  fastify.addHook('onReady', async () => {
    await front.listen()
    if (front.error !== null) log.error({ grpc: front.error }, 'gRPC front not started')
    else log.info({ port: front.port }, 'gRPC front listening (iris.InferenceService, inference.GRPCInferenceService)')
  })
  health.register('grpc', () => front.port === null
    ? { status: 'down', critical: false, error: front.error ?? 'not bound yet (the app is not ready)' }
    : { status: 'up', critical: false, port: front.port, services: ['iris.InferenceService', 'inference.GRPCInferenceService'] })
  fastify.decorate('grpcServer', front)
  fastify.addHook('onClose', async () => { await front.close() })
}, { name: 'grpc-server', dependencies: ['config', 'metrics', 'health', 'onnx', 'inference', 'kserve', 'auth'] })
