// Drift reports: the newest logged predictions of a model against the training rows saved with the
// served version (reference.csv), per-feature tests as Evidently picks them, Prometheus gauges,
// and the HTML report written to DATA_DIR/drift_report.html. Gauges are refreshed on each report
// and, when DRIFT_INTERVAL_SECONDS > 0, on a timer.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { Gauge } from 'prom-client'
import { createDriftMonitor, type DriftGauges } from '../services/drift/monitor.js'

declare module 'fastify' {
  interface FastifyInstance {
    driftMonitor: ReturnType<typeof createDriftMonitor>
  }
}

export default fp(async function driftMonitorPlugin (fastify) {
  const { config, metrics, onnx, driftLogger, log } = fastify
  const registers = [metrics.registry]
  const gauges: DriftGauges = {
    score: new Gauge({ name: 'drift_score', help: 'Drift score per model and column (p-value for tests, distance for distances; see label test)', labelNames: ['model', 'feature', 'test'] as const, registers }),
    detected: new Gauge({ name: 'drift_detected', help: 'Whether the column drifted in the last report (1) or not (0)', labelNames: ['model', 'feature'] as const, registers }),
    share: new Gauge({ name: 'drift_share_of_drifted_columns', help: 'Share of drifted columns in the last report', labelNames: ['model'] as const, registers }),
    dataset: new Gauge({ name: 'drift_dataset_drift', help: 'Dataset drift (share >= 0.5) in the last report', labelNames: ['model'] as const, registers }),
    samples: new Gauge({ name: 'drift_analyzed_samples', help: 'Logged predictions analysed by the last report', labelNames: ['model'] as const, registers })
  }
  await mkdir(config.DATA_DIR, { recursive: true })
  const monitor = createDriftMonitor({
    onnx,
    driftLogger,
    gauges,
    minSamples: config.DRIFT_MIN_SAMPLES,
    options: { chiSquare: config.DRIFT_CHI_SQUARE, shareColumns: config.DRIFT_SHARE_COLUMNS },
    reportPath: join(config.DATA_DIR, 'drift_report.html'),
    onWriteError: (err) => log.warn({ err: err.message }, 'drift report: cannot write drift_report.html')
  })

  let running: Promise<unknown> | null = null
  const timer = config.DRIFT_INTERVAL_SECONDS === 0 || !driftLogger.enabled
    ? null
    : setInterval(() => {
      if (running !== null) return
      const names = [...new Set(onnx.list().map((m) => m.name))]
      running = Promise.all(names.map((model) => monitor.report({ model, limit: config.DRIFT_DEFAULT_LIMIT })
        .catch((err: Error) => log.warn({ model, err: err.message }, 'scheduled drift report failed'))))
        .finally(() => { running = null })
    }, config.DRIFT_INTERVAL_SECONDS * 1000)
  timer?.unref()

  fastify.decorate('driftMonitor', monitor)
  fastify.addHook('onClose', async () => {
    if (timer !== null) clearInterval(timer)
    await running
  })
}, { name: 'drift-monitor', dependencies: ['config', 'metrics', 'onnx', 'drift-logger'] })
