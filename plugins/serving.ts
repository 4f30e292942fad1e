// Serving paths for the seed's phase 2 and 5 routes: Triton, TF Serving, the in-process model and
// the gateway's own gRPC / V2 HTTP fronts called over the network. The network clients are made on
// first use, because the gateway's own ports are known only once it listens.
import * as grpc from '@grpc/grpc-js'
import fp from 'fastify-plugin'
import { Histogram } from 'prom-client'
import { UpstreamNotConfiguredError } from '../services/lib/errors.js'
import { loadServices } from '../services/protocols/grpc/protos.js'
import { createKServeClient, type KServeClient } from '../services/protocols/kserve/client/client.js'
import { featureColumns, toRows } from '../services/inference/classification.js'
import { checkRows } from '../services/inference/input-checks.js'
import type { ServedModel } from '../services/inference/model-store.js'
import { createRemoteServing } from '../services/inference/remote.js'
import { featureRow, IRIS_CLASSES } from '../services/inference/results.js'
import { FEATURE_NAMES } from '../schemas/iris.js'

declare module 'fastify' {
  interface FastifyInstance {
    serving: ReturnType<typeof createRemoteServing>
  }
}

export default fp(async function servingPlugin (fastify) {
  const { config, onnx, inference, tritonClient, tfServingClient, metrics } = fastify
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: 'Calls to serving upstreams (Triton, TF Serving, the gateway\'s own fronts over the network) by outcome code',
    labelNames: ['upstream', 'protocol', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics.registry]
  })
  const services = loadServices()
  const unloaded = { name: config.DEFAULT_MODEL, numFeatures: FEATURE_NAMES.length, featureNames: [...FEATURE_NAMES], metadata: {} }
  let iris: { client: grpc.Client, target: string } | null = null
  let v2: { client: KServeClient, target: string, model: string } | null = null

  function ownAddress (): string {
    const address = fastify.server.address()
    if (address === null || typeof address === 'string') throw new UpstreamNotConfiguredError('The gateway\'s own HTTP front (not listening)', 'INFERENCE_HTTP_URL')
    return `http://127.0.0.1:${address.port}`
  }

  const serving = createRemoteServing({
    triton: tritonClient,
    tfServing: tfServingClient,
    fallback: config.SERVING_FALLBACK,
    timeoutMs: config.SERVING_TIMEOUT_MS,
    observe: (upstream, protocol, outcome, seconds) => upstreamDuration.observe({ upstream, protocol, outcome }, seconds),
    classes: () => { try { return onnx.get(config.DEFAULT_MODEL).classes } catch { return IRIS_CLASSES } },
    // The default model's feature bounds (the float32 range while it is not loaded), as /classify checks them.
    check (f) {
      let model: ServedModel | null = null
      try { model = onnx.get(config.DEFAULT_MODEL) } catch {}
      if (model === null) { checkRows(unloaded, featureRow(f), (_, c) => f[FEATURE_NAMES[c]]); return }
      const columns = featureColumns(model)
      checkRows(model, toRows(model, [f]), (_, c) => f[columns[c]])
    },
    // Through the shared prediction path, like every front: the version's statistics (inference
    // count, last inference) and the prediction log see the direct and fallback answers too.
    async local (f) {
      const model = onnx.get(config.DEFAULT_MODEL)
      const prediction = await inference.predict({ model, rows: [f], route: 'direct_onnx_runtime' })
      return { probabilities: Array.from(prediction.probabilities), version: model.version, classes: model.classes }
    },
    irisGrpc () {
      if (iris === null) {
        const port = fastify.grpcServer?.port ?? null
        const target = config.GRPC_TARGET !== '' ? config.GRPC_TARGET : (port !== null ? `127.0.0.1:${port}` : '')
        if (target === '') throw new UpstreamNotConfiguredError('gRPC inference server', 'GRPC_TARGET (the gateway\'s own gRPC front is off)')
        iris = { client: new services.IrisInferenceService(target, grpc.credentials.createInsecure()), target }
      }
      return iris
    },
    v2Http () {
      if (v2 === null) {
        const target = config.INFERENCE_HTTP_URL !== '' ? config.INFERENCE_HTTP_URL : ownAddress()
        const client = createKServeClient({ upstream: 'HTTP inference server', httpUrl: target, timeoutMs: config.SERVING_TIMEOUT_MS, GrpcClient: services.GRPCInferenceService, connections: 16 })
        v2 = { client, target, model: config.INFERENCE_HTTP_MODEL !== '' ? config.INFERENCE_HTTP_MODEL : config.DEFAULT_MODEL }
      }
      return v2
    }
  })
  fastify.decorate('serving', serving)
  fastify.addHook('onClose', async () => {
    iris?.client.close()
    await v2?.client.close()
  })
}, { name: 'serving', dependencies: ['config', 'metrics', 'onnx', 'inference', 'triton-client', 'tf-serving-client', 'grpc-server'] })
