// The KServe V2 / Triton view of the in-process models, shared by routes/v2 and the gRPC front.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { createKServe } from '../services/protocols/kserve/server/inference.js'
import { createModelRepository } from '../services/inference/repository.js'
import { projectRoot } from '../services/lib/project-root.js'

declare module 'fastify' {
  interface FastifyInstance {
    kserve: ReturnType<typeof createKServe>
  }
}

export default fp(async function kservePlugin (fastify) {
  const { config, onnx, inference } = fastify
  // Reported as the server version by /v2 and ServerMetadata.
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }
  fastify.decorate('kserve', createKServe({
    store: onnx,
    repository: createModelRepository({ store: onnx, root: config.MODELS_DIR, log: fastify.log }),
    inference,
    defaultModel: config.DEFAULT_MODEL,
    serverName: 'inference-gateway',
    serverVersion: version,
    maxBatchSize: config.MAX_BATCH_INSTANCES,
    queue: { maxQueueSize: config.BATCH_MAX_QUEUE, maxQueueDelayMicros: config.BATCH_MAX_QUEUE_DELAY_MICROS }
  }))
}, { name: 'kserve', dependencies: ['config', 'onnx', 'inference'] })
