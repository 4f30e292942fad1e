// Turning named features into model rows and model outputs into the seed's classification shape.
import { ModelInputError } from '../lib/errors.js'
import type { Prediction, ServedModel } from './model-store.js'
import { FEATURE_NAMES, type Classification, type IrisFeatures } from '../../schemas/iris.js'

/** Row-major float32 rows in the model's feature order. */
export function toRows (model: ServedModel, instances: readonly IrisFeatures[]): Float32Array {
  if (model.numFeatures !== FEATURE_NAMES.length) {
    throw new ModelInputError(model.name, `${model.numFeatures} features, not the 4 Iris measurements`)
  }
  const order = featureColumns(model)
  const width = order.length
  const rows = new Float32Array(instances.length * width)
  for (let r = 0; r < instances.length; r++) {
    const inst = instances[r]
    for (let c = 0; c < width; c++) rows[r * width + c] = inst[order[c]]
  }
  return rows
}

/** The model's columns in Iris feature names, worked out once per loaded model. */
const featureOrder = new WeakMap<ServedModel, Array<keyof IrisFeatures>>()

/** The Iris feature of each model column: the model's own order when its metadata names them, else Iris order. */
export function featureColumns (model: ServedModel): ReadonlyArray<keyof IrisFeatures> {
  let order = featureOrder.get(model)
  if (order === undefined) {
    order = (model.featureNames.every((f) => (FEATURE_NAMES as readonly string[]).includes(f)) ? model.featureNames : FEATURE_NAMES) as Array<keyof IrisFeatures>
    featureOrder.set(model, order)
  }
  return order
}

/** Values outside the range seen in training are served, but flagged. */
export function rangeWarnings (model: ServedModel, instance: IrisFeatures, prefix = ''): string[] {
  const ranges = model.metadata.feature_ranges
  if (ranges === undefined) return []
  const warnings: string[] = []
  for (const f of FEATURE_NAMES) {
    const range = ranges[f]
    if (range !== undefined && (instance[f] < range.min || instance[f] > range.max)) {
      warnings.push(`${prefix}${f}=${instance[f]} is outside the training range [${range.min}, ${range.max}]`)
    }
  }
  return warnings
}

/** Probabilities of one row, as plain numbers rounded to float32's meaningful digits. */
export function rowProbabilities (prediction: Prediction, row: number): number[] {
  const k = prediction.probabilities.length / prediction.rows
  const out: number[] = []
  for (let c = row * k; c < (row + 1) * k; c++) out.push(roundFloat32(prediction.probabilities[c]))
  return out
}

export function toClassification (model: ServedModel, prediction: Prediction, row: number, warnings: string[]): Classification {
  const probabilities = rowProbabilities(prediction, row)
  const index = prediction.predicted[row]
  return {
    predicted_class: model.classes[index] ?? String(index),
    predicted_class_index: index,
    probabilities,
    confidence: probabilities[index],
    all_classes: model.classes,
    model: { name: model.name, version: model.version },
    warnings
  }
}

// A forest's probabilities are multiples of 1/n_trees and a served model's outputs repeat: the few
// distinct values are remembered (toPrecision costs ~0.2 us, a Map lookup a tenth of that).
const rounded = new Map<number, number>()

/** float32 carries ~7 significant digits; printing more (0.949999988079071) is noise. */
export function roundFloat32 (x: number): number {
  let r = rounded.get(x)
  if (r === undefined) {
    r = Number(Math.fround(x).toPrecision(7))
    if (rounded.size >= 4096) rounded.clear()
    rounded.set(x, r)
  }
  return r
}
