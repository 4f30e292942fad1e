// Training orchestration: data, split, fit, score, export, and the files of a model version
// directory. The seed fixes everything but the clock, which is injected; model.onnx is identical
// for the same seed and params.
import { createHash } from 'node:crypto'
import { access, mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { trainForest, type ForestModel, type ForestParams } from './forest.js'
import { CLASS_NAMES, FEATURE_NAMES, createRng, datasetHash, featureRanges, IRIS_FEATURE_BOUNDS, loadIris, stratifiedSplit, type FeatureRanges, type Split } from './iris.js'
import { classificationMetrics, type ClassMetrics } from './metrics.js'
import { trainMlp, type MlpModel, type MlpParams } from './mlp.js'
import { INPUT_NAME, OUTPUT_NAMES, exportOnnx } from './onnx-export.js'

export type Algo = 'forest' | 'mlp'

export type TrainOptions =
  | { algo: 'forest', seed: number, params?: Partial<Omit<ForestParams, 'seed'>>, now?: () => number }
  | { algo: 'mlp', seed: number, params?: Partial<Omit<MlpParams, 'seed'>>, now?: () => number }

export interface TrainMetadata {
  algorithm: Algo
  model_type: 'RandomForestClassifier' | 'MLPClassifier'
  params: Record<string, unknown>
  classes: string[]
  feature_names: string[]
  input_name: string
  output_names: { label: string, probabilities: string }
  opset: Record<string, number>
  sha256: string
  dataset_hash: string
  seed: number
  train_time: string
  train_duration_ms: number
  feature_ranges: FeatureRanges
  feature_bounds: typeof IRIS_FEATURE_BOUNDS
  feature_importances: number[] | null
}

export interface TrainMetrics {
  accuracy: number
  per_class: Record<string, ClassMetrics>
  confusion_matrix: number[][]
  n_train: number
  n_test: number
}

export interface TrainResult {
  model: ForestModel | MlpModel
  predictProba: (rows: number[][]) => number[][]
  predict: (rows: number[][]) => number[]
  onnxBytes: Uint8Array
  metadata: TrainMetadata
  metrics: TrainMetrics
  split: Split
}

export const MODEL_TYPES = { forest: 'RandomForestClassifier', mlp: 'MLPClassifier' } as const

export function sha256Hex (bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/** Trains on the seeded stratified split of Iris and scores on its held-out part. */
export function trainModel (opts: TrainOptions): TrainResult {
  if (opts.algo !== 'forest' && opts.algo !== 'mlp') throw new RangeError(`algo must be 'forest' or 'mlp', got '${String((opts as { algo: unknown }).algo)}'`)
  const now = opts.now ?? Date.now
  const started = now()
  const data = loadIris()
  const split = stratifiedSplit(data, createRng(opts.seed))
  const model = opts.algo === 'forest'
    ? trainForest(split.train, CLASS_NAMES.length, { ...opts.params, seed: opts.seed })
    : trainMlp(split.train, CLASS_NAMES.length, { ...opts.params, seed: opts.seed })
  const { bytes, opset } = exportOnnx(model, { classNames: CLASS_NAMES, featureNames: FEATURE_NAMES })
  const scores = classificationMetrics(split.test.y, model.predict(split.test.X), CLASS_NAMES)
  const finished = now()
  const metadata: TrainMetadata = {
    algorithm: opts.algo,
    model_type: MODEL_TYPES[opts.algo],
    params: Object.fromEntries(Object.entries(model.params).map(([k, v]) => [snakeCase(k), v])),
    classes: [...CLASS_NAMES],
    feature_names: [...FEATURE_NAMES],
    input_name: INPUT_NAME,
    output_names: { ...OUTPUT_NAMES },
    opset,
    sha256: sha256Hex(bytes),
    dataset_hash: datasetHash(data),
    seed: opts.seed,
    train_time: new Date(started).toISOString(),
    train_duration_ms: finished - started,
    feature_ranges: featureRanges(split.train.X),
    feature_bounds: IRIS_FEATURE_BOUNDS,
    feature_importances: model.kind === 'forest' ? model.featureImportances : null
  }
  const metrics: TrainMetrics = { ...scores, n_train: split.train.X.length, n_test: split.test.X.length }
  return { model, predictProba: model.predictProba, predict: model.predict, onnxBytes: bytes, metadata, metrics, split }
}

/** The training rows with class names: the reference distribution for drift monitoring. */
export function referenceCsv (split: Split): string {
  const lines = split.train.X.map((row, i) => `${row.join(',')},${CLASS_NAMES[split.train.y[i]]}`)
  return `${[...FEATURE_NAMES, 'label'].join(',')}\n${lines.join('\n')}\n`
}

/**
 * Writes model.onnx, metadata.json, metrics.json and reference.csv into `dir` (created if
 * needed). Refuses to replace an existing model. model.onnx is written last and renamed into
 * place, so a version directory with a model.onnx is always complete.
 */
export async function writeModelVersion (dir: string, result: TrainResult): Promise<string[]> {
  const target = join(dir, 'model.onnx')
  const exists = await access(target).then(() => true, () => false)
  if (exists) throw new Error(`${target} already exists; train into a new version directory`)
  await mkdir(dir, { recursive: true })
  const files = {
    'metadata.json': `${JSON.stringify(result.metadata, null, 2)}\n`,
    'metrics.json': `${JSON.stringify(result.metrics, null, 2)}\n`,
    'reference.csv': referenceCsv(result.split)
  }
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content)
  await writeFile(`${target}.tmp`, result.onnxBytes)
  await rename(`${target}.tmp`, target)
  return ['model.onnx', ...Object.keys(files)].map((name) => join(dir, name))
}
