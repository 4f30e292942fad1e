// In-process ONNX serving: one InferenceSession per model version found under MODELS_DIR, each
// behind an adaptive batcher. https://onnxruntime.ai/docs/api/js/
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { createModelStore } from '../services/inference/model-store.js'
import { discoverModels, readServingSettings } from '../services/inference/onnx-models.js'

declare module 'fastify' {
  interface FastifyInstance {
    onnx: ReturnType<typeof createModelStore>
  }
}

export default fp(async function onnxPlugin (fastify) {
  const { config, metrics, health, log } = fastify
  const store = createModelStore({
    sessionOptions: { intraOpNumThreads: config.ORT_INTRA_OP_THREADS, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' },
    batching: {
      enabled: config.BATCHING,
      maxBatchSize: config.BATCH_MAX_SIZE,
      maxQueueSize: config.BATCH_MAX_QUEUE,
      maxQueueDelayMicros: config.BATCH_MAX_QUEUE_DELAY_MICROS
    },
    instances: { kind: config.INSTANCE_KIND, count: config.INSTANCE_COUNT, workerThresholdMs: config.INSTANCE_WORKER_THRESHOLD_MS, runTimeoutMs: config.INSTANCE_RUN_TIMEOUT_MS },
    instrument (model, version) {
      // Children made once per loaded version; a version loaded again (hot reload) gets the same series.
      const success = metrics.inferenceTotal.labels(model, version, 'success')
      const failure = metrics.inferenceTotal.labels(model, version, 'failure')
      const rows = metrics.inferenceRows.labels(model, version)
      const duration = metrics.inferenceDuration.labels(model, version)
      const batch = metrics.batchSize.labels(model, version)
      const restarts = metrics.instanceRestarts.labels(model, version)
      return {
        restart: () => restarts.inc(),
        success: () => success.inc(),
        failure: () => failure.inc(),
        rows: (n) => rows.inc(n),
        duration: (s) => duration.observe(s),
        batch: (n) => batch.observe(n)
      }
    }
  })

  for (const dir of await discoverModels(config.MODELS_DIR)) {
    try {
      const { plan } = (await store.load(dir, await readServingSettings(join(config.MODELS_DIR, dir.name)))).instances
      log.info({ model: dir.name, version: dir.version, instances: plan }, 'model loaded')
    } catch (err) {
      // One bad model must not stop the others; it is reported by /health and by requests for it.
      log.error({ model: dir.name, version: dir.version, err }, 'model failed to load')
    }
  }

  const removeCollector = metrics.onCollect(() => {
    metrics.queueDepth.reset()
    metrics.instances.reset()
    for (const m of store.list()) {
      metrics.queueDepth.labels(m.name, m.version).set(m.batcher.queueDepth)
      metrics.instances.labels(m.name, m.version, m.instances.plan.kind).set(m.instances.plan.count)
    }
  })

  health.register('onnx', () => {
    const models = store.list().map((m) => ({
      name: m.name,
      version: m.version,
      default: store.defaultVersion(m.name) === m.version,
      loaded: true,
      // What a client form needs to call this version (the dashboard builds its Predict form from it).
      features: m.featureNames,
      classes: m.classes,
      queue_depth: m.batcher.queueDepth,
      inflight: m.batcher.inflight,
      instances: { kind: m.instances.plan.kind, count: m.instances.plan.count, source: m.instances.plan.source, probe_ms: m.instances.plan.probeMs, restarts: m.instances.pool?.restarts ?? 0 },
      batching: m.batcher.stats.executions > 0 ? { requests: m.batcher.stats.requests, executions: m.batcher.stats.executions } : undefined
    }))
    const failed = store.failures().map((f) => ({ ...f, loaded: false }))
    const defaultLoaded = store.defaultVersion(config.DEFAULT_MODEL) !== null
    return {
      status: !defaultLoaded ? 'down' : failed.length > 0 ? 'degraded' : 'up',
      critical: true,
      default_model: config.DEFAULT_MODEL,
      models: [...models, ...failed]
    }
  })

  fastify.decorate('onnx', store)
  fastify.addHook('onClose', async () => {
    removeCollector()
    await store.close()
  })
}, { name: 'onnx', dependencies: ['config', 'metrics', 'health'] })
