// The prediction path shared by every front (HTTP routes, the gRPC services, the protocol fronts):
// `fastify.inference.predict(...)` batches and runs through the onnx model store (which meters each
// run), uses the exact cache when asked, and logs every served row to the prediction log.
import fp from 'fastify-plugin'
import { wantsFresh } from '../services/cache/exact/exact.js'
import { createInference } from '../services/inference/prediction-path.js'

declare module 'fastify' {
  interface FastifyInstance {
    inference: ReturnType<typeof createInference>
  }
}

export default fp(async function inferencePlugin (fastify) {
  const { onnx, cache, driftLogger } = fastify
  fastify.decorate('inference', createInference({
    store: onnx,
    cache: { wrap: cache.wrap, fresh: (request) => wantsFresh(request.headers) },
    drift: driftLogger
  }))
}, { name: 'inference', dependencies: ['onnx', 'cache', 'drift-logger'] })
