// The gRPC front: the seed's iris service and Triton's inference.GRPCInferenceService on one port,
// through the same models and adaptive batcher as the HTTP routes. https://grpc.github.io/grpc/node/
import * as grpc from '@grpc/grpc-js'
import fp from 'fastify-plugin'
import type { ModelStore } from '../services/model-store.js'
import type { KServe } from '../services/v2/inference.js'
import { loadServices } from '../services/grpc/protos.js'
import { createIrisService } from '../services/grpc/iris-service.js'
import { createKServeService } from '../services/grpc/kserve-service.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** null when GRPC_ENABLED=false. */
    grpcServer: Awaited<ReturnType<typeof createGrpcServer>> | null
  }
}

export interface GrpcServerOptions {
  store: ModelStore
  kserve: KServe
  defaultModel: string
  maxBatchInstances: number
  host: string
  port: number
  maxMessageBytes: number
}

/** Builds and binds the server; `port` is the bound one (useful with port 0); `error` if it could not bind. */
export async function createGrpcServer (opts: GrpcServerOptions) {
  const services = loadServices()
  // grpc-js receives at most 4 MiB by default; tensors need more (Triton allows INT32_MAX).
  const server = new grpc.Server({ 'grpc.max_receive_message_length': opts.maxMessageBytes, 'grpc.max_send_message_length': opts.maxMessageBytes })
  server.addService(services.IrisInferenceService.service, createIrisService(opts))
  server.addService(services.GRPCInferenceService.service, createKServeService(opts.kserve))
  const address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${opts.port}`
  let port: number | null = null
  let error: string | null = null
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => err !== null ? reject(err) : resolve(bound))
    })
  } catch (err) {
    error = `cannot listen on ${address}: ${(err as Error).message}`
  }
  return {
    server,
    port,
    error,
    /** Lets in-flight calls finish for up to `graceMs`, then cuts the rest. */
    close: (graceMs = 5000) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { server.forceShutdown(); resolve() }, graceMs)
      server.tryShutdown(() => { clearTimeout(timer); resolve() })
    })
  }
}

export default fp(async function grpcServerPlugin (fastify) {
  const { config, onnx, kserve, health, log } = fastify
  if (!config.GRPC_ENABLED) {
    health.register('grpc', () => ({ status: 'disabled', critical: false }))
    fastify.decorate('grpcServer', null)
    return
  }
  const front = await createGrpcServer({
    store: onnx,
    kserve,
    defaultModel: config.DEFAULT_MODEL,
    maxBatchInstances: config.MAX_BATCH_INSTANCES,
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    maxMessageBytes: config.GRPC_MAX_MESSAGE_BYTES
  })
  // A taken gRPC port must not take the HTTP gateway down with it: it is logged and shown in /health.
  if (front.error !== null) log.error({ grpc: front.error }, 'gRPC front not started')
  else log.info({ port: front.port }, 'gRPC front listening (iris.InferenceService, inference.GRPCInferenceService)')
  health.register('grpc', () => front.error !== null
    ? { status: 'down', critical: false, error: front.error }
    : { status: 'up', critical: false, port: front.port, services: ['iris.InferenceService', 'inference.GRPCInferenceService'] })
  fastify.decorate('grpcServer', front)
  fastify.addHook('onClose', async () => { await front.close() })
}, { name: 'grpc-server', dependencies: ['config', 'health', 'onnx', 'kserve'] })
