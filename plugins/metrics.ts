// One prom-client registry per app instance, so several apps in one process never collide.
// https://github.com/siimots/prom-client
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { FastCounter, FastHistogram, type HistogramChild } from '../services/lib/fast-metrics.js'

export function createMetrics () {
  const registry = new Registry()
  // Gauges that mirror in-memory state are filled at scrape time, costing nothing per request.
  const collectors = new Set<() => void>()
  collectDefaultMetrics({ register: registry })
  // prom-client names three gauges `*_total`, which promtool rejects (only counters end in _total);
  // the same counts stay available, by resource type, as nodejs_active_handles/requests/resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name)
  return {
    registry,
    httpDuration: new FastHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    inferenceTotal: new FastCounter({
      name: 'inference_requests_total',
      help: 'Inference requests by model, version and outcome',
      labelNames: ['model', 'version', 'outcome'] as const,
      registers: [registry]
    }),
    inferenceRows: new FastCounter({
      name: 'inference_rows_total',
      help: 'Rows (samples) inferred by model and version',
      labelNames: ['model', 'version'] as const,
      registers: [registry]
    }),
    inferenceDuration: new FastHistogram({
      name: 'inference_duration_seconds',
      help: 'Time from enqueue to result of one inference request, by model and version',
      labelNames: ['model', 'version'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry]
    }),
    batchSize: new FastHistogram({
      name: 'inference_batch_size',
      help: 'Rows per model execution (session.run) after adaptive batching',
      labelNames: ['model', 'version'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry]
    }),
    queueDepth: new Gauge({
      name: 'inference_queue_depth',
      help: 'Requests waiting in the batching queue, by model and version',
      labelNames: ['model', 'version'] as const,
      registers: [registry],
      collect () { for (const fn of collectors) fn() }
    }),
    instances: new Gauge({
      name: 'inference_instances',
      help: 'Model instances by model, version and kind (main: the event-loop thread; worker: worker threads)',
      labelNames: ['model', 'version', 'kind'] as const,
      registers: [registry]
    }),
    instanceRestarts: new FastCounter({
      name: 'inference_instance_restarts_total',
      help: 'Worker-thread model instances that failed (crashed, threw or timed out) and were replaced',
      labelNames: ['model', 'version'] as const,
      registers: [registry]
    }),
    /** Registers a function run before every scrape; returns its remover. */
    onCollect (fn: () => void): () => void {
      collectors.add(fn)
      return () => { collectors.delete(fn) }
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReturnType<typeof createMetrics>
  }
}

export default fp(async function metricsPlugin (fastify) {
  const metrics = createMetrics()
  fastify.decorate('metrics', metrics)
  // Each route gets its own callback hook (no promise per request) holding its route label, so a
  // request costs a Map lookup by method and status, not a routeOptions object and a label hash.
  fastify.addHook('onRoute', (route) => {
    const children = new Map<string, HistogramChild>()
    const url = route.url
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      const key = request.method + reply.statusCode
      let child = children.get(key)
      if (child === undefined) {
        child = metrics.httpDuration.labels(request.method, url, reply.statusCode)
        children.set(key, child)
      }
      child.observe(reply.elapsedTime / 1000)
      done()
    }
    route.onResponse = route.onResponse === undefined ? [hook] : [...[route.onResponse].flat(), hook]
  })
  // Requests no route matched (the 404 handler), under one label: URLs would be unbounded.
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) metrics.httpDuration.observe({ method: request.method, route: 'unmatched', status_code: reply.statusCode }, reply.elapsedTime / 1000)
    done()
  })
  fastify.addHook('onClose', async () => { metrics.registry.clear() })
}, { name: 'metrics' })
