// Drift reports for a served model: its newest logged predictions against the training rows saved
// with the version (reference.csv, parsed once per version), published to gauges and rendered as
// the HTML report written to `reportPath` (atomically).
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Gauge } from 'prom-client'
import { DriftReferenceMissingError } from '../lib/errors.js'
import type { ModelStore, ServedModel } from '../inference/model-store.js'
import type { createDriftLogger } from './log/logger.js'
import { renderDriftHtml } from './html.js'
import { loggedFeatureNames, parseReferenceCsv, REFERENCE_FILE } from './stats/reference.js'
import { buildDriftReport, toCurrentData, type DriftOptions, type DriftReport, type ReferenceData } from './report.js'
import { featureBounds } from '../inference/input-checks.js'

export interface DriftGauges { score: Gauge<'model' | 'feature' | 'test'>, detected: Gauge<'model' | 'feature'>, share: Gauge<'model'>, dataset: Gauge<'model'>, samples: Gauge<'model'> }

export interface MonitorDeps {
  onnx: Pick<ModelStore, 'get'>
  driftLogger: Pick<ReturnType<typeof createDriftLogger>, 'recent' | 'count'>
  gauges: DriftGauges
  minSamples: number
  /** Test variants (defaults: Evidently's). */
  options?: DriftOptions
  reportPath: string
  /** The HTML file could not be written: the report is still answered. */
  onWriteError?: (err: Error) => void
  now?: () => Date
}

export function createDriftMonitor (deps: MonitorDeps) {
  const references = new Map<string, Promise<ReferenceData>>()
  const published = new Map<string, Array<[string, string]>>()
  let writes = 0

  const featuresOf = loggedFeatureNames

  function reference (m: ServedModel): Promise<ReferenceData> {
    const key = `${m.name}/${m.version}/${m.sha256}`
    let ref = references.get(key)
    if (ref === undefined) {
      const path = join(m.dir, REFERENCE_FILE)
      ref = readFile(path, 'utf8').then(
        (text) => parseReferenceCsv(text, featuresOf(m), m.classes, `${m.name}/${m.version}/${REFERENCE_FILE}`),
        (err: NodeJS.ErrnoException) => { throw err.code === 'ENOENT' ? new Error(`${path} does not exist`) : err })
        .catch((err: Error) => { references.delete(key); throw new DriftReferenceMissingError(m.name, m.version, err.message) })
      references.set(key, ref)
    }
    return ref
  }

  function publish (report: DriftReport): void {
    const { name } = report.data_summary.model
    const { gauges } = deps
    // A column judged last time but not now (too few rows) must not keep its old value.
    for (const [feature, test] of published.get(name) ?? []) { gauges.score.remove(name, feature, test); gauges.detected.remove(name, feature) }
    gauges.samples.labels(name).set(report.data_summary.analyzed_samples)
    const a = report.drift_analysis
    const columns = { ...a.feature_drift_scores, ...(a.prediction_drift === null ? {} : { prediction: a.prediction_drift }) }
    if (Object.keys(columns).length === 0) { gauges.share.remove(name); gauges.dataset.remove(name); return }
    published.set(name, Object.entries(columns).map(([feature, c]) => [feature, c.statistical_test]))
    for (const [feature, c] of Object.entries(columns)) {
      gauges.score.labels(name, feature, c.statistical_test).set(c.drift_score)
      gauges.detected.labels(name, feature).set(c.drift_detected ? 1 : 0)
    }
    gauges.share.labels(name).set(a.overall_drift_score)
    gauges.dataset.labels(name).set(a.drift_detected ? 1 : 0)
  }

  async function writeHtml (html: string): Promise<void> {
    // Temp file + rename: a reader never sees half a report.
    const tmp = `${deps.reportPath}.${process.pid}.${++writes}.tmp`
    try {
      await writeFile(tmp, html)
      await rename(tmp, deps.reportPath)
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {})
      deps.onWriteError?.(err as Error)
    }
  }

  return {
    async report (opts: { model: string, version?: string, limit: number }): Promise<{ report: DriftReport, html: string }> {
      const m = deps.onnx.get(opts.model, opts.version)
      const features = featuresOf(m)
      const [ref, records, total] = await Promise.all([reference(m), deps.driftLogger.recent(m.name, opts.limit), deps.driftLogger.count(m.name)])
      const current = toCurrentData(records, features, m.classes, featureBounds(m))
      const report = buildDriftReport({
        model: { name: m.name, version: m.version },
        features,
        classes: m.classes,
        reference: ref,
        current,
        totalSamples: total,
        minSamples: deps.minSamples,
        options: deps.options,
        now: (deps.now ?? (() => new Date()))()
      })
      publish(report)
      const html = renderDriftHtml(report, ref, current)
      await writeHtml(html)
      return { report, html }
    }
  }
}
