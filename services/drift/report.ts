// The drift report in the seed's shape (phase 4 `/api/v1/drift-report`): per-feature test, score
// and flag, the predicted-class distribution, dataset drift by Evidently's share rule, and advice.
import { columnDrift, countTable, type ChiSquareVariant, type ColumnDrift } from './stats/column-drift.js'

export const DATASET_DRIFT_SHARE = 0.5

/**
 * Columns counted in the dataset drift share. `all`: the features and the predicted class, as
 * Evidently 0.7's DataDriftPreset counts every numerical and categorical column of the dataset (a
 * prediction column included, whether inferred or declared through a classification); `features`:
 * the features only, as DataDriftPreset(columns=<features>).
 */
export type ShareColumns = 'all' | 'features'

export interface DriftOptions {
  /** Default `goodness_of_fit` (Evidently's chisquare). */
  chiSquare?: ChiSquareVariant
  /** Default `all` (Evidently's DataDriftPreset). */
  shareColumns?: ShareColumns
}

export type MonitoringStatus = 'INSUFFICIENT_DATA' | 'NO_DRIFT' | 'LOW_DRIFT' | 'MEDIUM_DRIFT' | 'HIGH_DRIFT'

/** Training rows of the served model version, one array per feature, and class indices. */
export interface ReferenceData {
  columns: Record<string, number[]>
  labels: number[] | null
  rows: number
  source: string
}

/** Logged rows as columns, ready for the statistics. */
export interface CurrentData {
  columns: Record<string, number[]>
  predictions: number[]
  /** Class name by index: the model's classes, then any other name seen in the log. */
  classNames: string[]
  rows: number
}

export interface ReportInput {
  model: { name: string, version: string }
  features: string[]
  classes: string[]
  reference: ReferenceData
  current: CurrentData
  totalSamples: number
  minSamples: number
  now: Date
  options?: DriftOptions
}

export interface PredictionDrift extends ColumnDrift {
  reference_distribution: Record<string, number>
  current_distribution: Record<string, number>
}

export function buildDriftReport (input: ReportInput) {
  const { features, reference, current } = input
  const chiSquare = input.options?.chiSquare ?? 'goodness_of_fit'
  const enough = current.rows >= input.minSamples
  const featureScores: Record<string, ColumnDrift> = {}
  let prediction: PredictionDrift | null = null
  if (enough) {
    for (const f of features) featureScores[f] = round(columnDrift(reference.columns[f], current.columns[f], true, chiSquare))
    if (reference.labels !== null) prediction = predictionDrift(reference.labels, current.predictions, current.classNames, chiSquare)
  }
  const counted = prediction === null || input.options?.shareColumns === 'features' ? [] : [prediction]
  const columns = [...Object.values(featureScores), ...counted]
  const drifted = columns.filter((c) => c.drift_detected).length
  const share = columns.length === 0 ? 0 : drifted / columns.length
  const datasetDrift = enough && share >= DATASET_DRIFT_SHARE
  const status = monitoringStatus(enough, share)
  const investigate = features.filter((f) => featureScores[f]?.drift_detected === true)
  return {
    drift_analysis: {
      drift_detected: datasetDrift,
      overall_drift_score: Number(share.toFixed(4)),
      feature_drift_scores: featureScores,
      prediction_drift: prediction,
      number_of_columns: columns.length,
      number_of_drifted_columns: drifted,
      dataset_drift_share_threshold: DATASET_DRIFT_SHARE,
      analysis_timestamp: input.now.toISOString()
    },
    data_summary: {
      reference_samples: reference.rows,
      analyzed_samples: current.rows,
      total_production_samples: input.totalSamples,
      minimum_samples: input.minSamples,
      reference_source: reference.source,
      model: input.model
    },
    recommendations: {
      retrain_model: datasetDrift,
      investigate_features: investigate,
      monitoring_status: status,
      message: advice(status, current.rows, input.minSamples, investigate)
    }
  }
}

export type DriftReport = ReturnType<typeof buildDriftReport>

function predictionDrift (reference: number[], current: number[], classes: string[], chiSquare: ChiSquareVariant): PredictionDrift {
  const table = countTable(reference, current)
  const name = (k: number) => classes[k] ?? String(k)
  const shares = (counts: number[], total: number) => Object.fromEntries(table.keys.map((k, i) => [name(k), Number((counts[i] / total).toFixed(4))]))
  return {
    ...round(columnDrift(reference, current, false, chiSquare)),
    reference_distribution: shares(table.reference, reference.length),
    current_distribution: shares(table.current, current.length)
  }
}

function monitoringStatus (enough: boolean, share: number): MonitoringStatus {
  if (!enough) return 'INSUFFICIENT_DATA'
  if (share === 0) return 'NO_DRIFT'
  if (share < DATASET_DRIFT_SHARE) return 'LOW_DRIFT'
  return share < 0.75 ? 'MEDIUM_DRIFT' : 'HIGH_DRIFT'
}

function advice (status: MonitoringStatus, rows: number, min: number, features: string[]): string {
  switch (status) {
    case 'INSUFFICIENT_DATA': return `Only ${rows} logged predictions; at least ${min} are needed before drift is judged.`
    case 'NO_DRIFT': return 'No column drifted; keep monitoring.'
    case 'LOW_DRIFT': return `Some columns drifted (${features.join(', ') || 'predicted class'}); below the dataset drift share, watch them.`
    default: return `Dataset drift: ${features.join(', ') || 'predicted class'} drifted; investigate the inputs and consider retraining.`
  }
}

/**
 * Statistic and PSI rounded for the JSON; drift_score is kept as computed (a p-value of 3.5495e-14
 * stays that, as in Evidently's report), and the decision is taken on unrounded values. An infinite
 * statistic (goodness of fit with a class the reference never had; JSON has no Infinity) is left out.
 */
function round<T extends ColumnDrift> (c: T): T {
  const r = (x: number) => x === 0 || Math.abs(x) >= 1e-4 ? Number(x.toFixed(6)) : Number(x.toPrecision(4))
  const { statistic, ...rest } = c
  return { ...rest, psi: r(c.psi), ...(statistic === undefined || !Number.isFinite(statistic) ? {} : { statistic: r(statistic) }) } as T
}

/**
 * Turns logged records into columns; predictions become class indices (unknown names get new
 * ones). Records lacking a feature (another model's shape), or with a value that is not finite or
 * outside its feature's `bounds` (one per feature, e.g. written by an older gateway), are left out:
 * one 1e308 would make every statistic NaN.
 */
export function toCurrentData (records: Array<{ features: Record<string, number>, prediction: string }>, features: string[], classes: string[],
  bounds: ReadonlyArray<{ min: number, max: number }> = []): CurrentData {
  const columns: number[][] = features.map(() => [])
  const index = new Map(classes.map((c, i) => [c, i]))
  const predictions: number[] = []
  const within = (v: unknown, j: number) => typeof v === 'number' && Number.isFinite(v) && (bounds[j] === undefined || (v >= bounds[j].min && v <= bounds[j].max))
  for (const r of records) {
    const values = r.features
    if (values === undefined || values === null || !features.every((f, j) => within(values[f], j))) continue
    for (let j = 0; j < features.length; j++) columns[j].push(values[features[j]])
    let k = index.get(r.prediction)
    if (k === undefined) { k = index.size; index.set(r.prediction, k) }
    predictions.push(k)
  }
  return { columns: Object.fromEntries(features.map((f, j) => [f, columns[j]])), predictions, classNames: [...index.keys()], rows: predictions.length }
}
