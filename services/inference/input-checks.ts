// What a model is given: finite float32 values within the bounds its metadata declares for each
// feature (`feature_bounds`, e.g. Iris lengths 0..30 cm). A row outside them is refused with a 400
// naming the feature and the row, on every front, before it runs or is logged: a physically
// impossible value would only give a meaningless answer and wreck the drift statistics.
import { ModelInputError } from '../lib/errors.js'
import type { ModelVersion } from './onnx-models.js'

/** The largest finite float32; a larger number becomes Infinity in the tensor. */
export const FLOAT32_MAX = 3.4028234663852886e38

export interface FeatureBound { min?: number, max?: number, unit?: string }

interface Column { name: string, min: number, max: number, unit: string }

/** What the checks read of a model version. */
export type Checked = Pick<ModelVersion, 'name' | 'numFeatures' | 'featureNames' | 'metadata'>

const columnsOf = new WeakMap<Checked, Column[]>()

/** Each model column's name and bounds: the declared ones, else the float32 range. */
export function featureBounds (m: Checked): Column[] {
  let columns = columnsOf.get(m)
  if (columns === undefined) {
    const declared = m.metadata?.feature_bounds ?? {} // a version without metadata.json: the float32 range only
    columns = Array.from({ length: m.numFeatures }, (_, c) => {
      const name = m.featureNames?.[c] ?? `f${c}`
      const b: FeatureBound = Object.hasOwn(declared, name) ? declared[name] : {}
      return {
        name,
        min: typeof b.min === 'number' && Number.isFinite(b.min) ? b.min : -FLOAT32_MAX,
        max: typeof b.max === 'number' && Number.isFinite(b.max) ? b.max : FLOAT32_MAX,
        unit: typeof b.unit === 'string' ? ` ${b.unit}` : ''
      }
    })
    columnsOf.set(m, columns)
  }
  return columns
}

/**
 * Throws a 400 (GW_MODEL_INPUT_INVALID) for the first value the model must not be given. `rows` are
 * row-major in the model's column order; `original` gives the value the client sent when it was
 * not a float32 already (a JSON number: 1e39 reads 1e39, not the Infinity it became).
 */
export function checkRows (m: Checked, rows: Float32Array, original?: (row: number, column: number) => number): void {
  const columns = featureBounds(m)
  const width = columns.length
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]
    const col = columns[i % width]
    // NaN fails both comparisons the right way round only when written like this.
    if (v >= col.min && v <= col.max && Number.isFinite(v)) continue
    const row = Math.floor(i / width)
    const sent = original === undefined ? v : original(row, i % width)
    const finite = Number.isFinite(v) && Math.abs(sent) <= FLOAT32_MAX
    const what = finite ? `within [${col.min}, ${col.max}]${col.unit}` : 'a finite float32 number'
    throw Object.assign(new ModelInputError(m.name, `${col.name} ${what}; row ${row} has ${sent}`), { param: col.name })
  }
}
