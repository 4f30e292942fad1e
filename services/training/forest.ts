// A random forest of CART trees (gini), as scikit-learn builds them: bootstrap samples, a random
// subset of features per split, leaves holding class probabilities, predictProba = mean of the
// trees' leaves, importances = mean decrease in impurity. Thresholds are float32 numbers and rows
// are compared as float32, so the ONNX TreeEnsembleClassifier (which compares in float32) takes
// exactly the same branches.
import { createRng, randomInt, shuffle, type Dataset, type Rng } from './iris.js'
import { argmax } from './metrics.js'

export interface ForestParams {
  nEstimators: number
  /** null: grow until the leaves are pure or too small to split. */
  maxDepth: number | null
  minSamplesSplit: number
  /** Features tried per split: 'sqrt' of the feature count, 'all', or a count. */
  maxFeatures: 'sqrt' | 'all' | number
  bootstrap: boolean
  seed: number
}

export const FOREST_DEFAULTS: Omit<ForestParams, 'seed'> = {
  nEstimators: 50,
  maxDepth: 5,
  minSamplesSplit: 2,
  maxFeatures: 'sqrt',
  bootstrap: true
}

/** `x[feature] <= threshold` goes to `left`. */
export interface SplitNode { leaf: false, feature: number, threshold: number, left: number, right: number }
export interface LeafNode { leaf: true, probabilities: number[] }
export type TreeNode = SplitNode | LeafNode
/** Nodes in pre-order; node 0 is the root. */
export type Tree = TreeNode[]

export interface ForestModel {
  kind: 'forest'
  params: ForestParams
  nFeatures: number
  nClasses: number
  trees: Tree[]
  /** Mean decrease in impurity per feature, summing to 1. */
  featureImportances: number[]
  predictProba: (rows: number[][]) => number[][]
  predict: (rows: number[][]) => number[]
}

function checkParams (p: ForestParams): void {
  if (!Number.isInteger(p.nEstimators) || p.nEstimators < 1) throw new RangeError(`forest nEstimators must be a positive integer, got ${p.nEstimators}`)
  if (p.maxDepth !== null && (!Number.isInteger(p.maxDepth) || p.maxDepth < 1)) throw new RangeError(`forest maxDepth must be a positive integer or null, got ${p.maxDepth}`)
  if (!Number.isInteger(p.minSamplesSplit) || p.minSamplesSplit < 2) throw new RangeError(`forest minSamplesSplit must be an integer >= 2, got ${p.minSamplesSplit}`)
  if (p.maxFeatures !== 'sqrt' && p.maxFeatures !== 'all' && (!Number.isInteger(p.maxFeatures) || p.maxFeatures < 1)) {
    throw new RangeError(`forest maxFeatures must be 'sqrt', 'all' or a positive integer, got ${String(p.maxFeatures)}`)
  }
}

function gini (counts: number[], n: number): number {
  let sum = 0
  for (const c of counts) sum += (c / n) ** 2
  return 1 - sum
}

function classCounts (y: number[], indices: number[], nClasses: number): number[] {
  const counts = new Array<number>(nClasses).fill(0)
  for (const i of indices) counts[y[i]]++
  return counts
}

interface Best { feature: number, threshold: number, impurity: number }

/** The best `<=` split of one feature (lowest weighted child impurity), or null if it is constant. */
function bestSplitOn (X: number[][], y: number[], indices: number[], f: number, nClasses: number): Best | null {
  const sorted = [...indices].sort((a, b) => X[a][f] - X[b][f])
  const n = sorted.length
  const left = new Array<number>(nClasses).fill(0)
  const right = classCounts(y, sorted, nClasses)
  let best: Best | null = null
  for (let k = 1; k < n; k++) {
    left[y[sorted[k - 1]]]++
    right[y[sorted[k - 1]]]--
    const a = X[sorted[k - 1]][f]
    const b = X[sorted[k]][f]
    if (a === b) continue
    const impurity = k * gini(left, k) + (n - k) * gini(right, n - k)
    if (best === null || impurity < best.impurity) {
      // a and b are float32 values; the rounded midpoint still separates them, else a itself does
      const mid = Math.fround((a + b) / 2)
      best = { feature: f, threshold: mid >= a && mid < b ? mid : a, impurity }
    }
  }
  return best
}

function growTree (X: number[][], y: number[], sample: number[], nClasses: number, p: ForestParams, rng: Rng, importances: number[]): Tree {
  const nFeatures = X[0].length
  const tryFeatures = p.maxFeatures === 'all' ? nFeatures : p.maxFeatures === 'sqrt' ? Math.max(1, Math.floor(Math.sqrt(nFeatures))) : Math.min(p.maxFeatures, nFeatures)
  const nodes: Tree = []
  const grow = (indices: number[], depth: number): number => {
    const id = nodes.length
    const counts = classCounts(y, indices, nClasses)
    const n = indices.length
    const impurity = gini(counts, n)
    const leaf: LeafNode = { leaf: true, probabilities: counts.map((c) => c / n) }
    nodes.push(leaf)
    if (impurity === 0 || n < p.minSamplesSplit || (p.maxDepth !== null && depth >= p.maxDepth)) return id
    // As scikit-learn: draw features in random order; constant ones do not count towards tryFeatures
    let best: Best | null = null
    let tried = 0
    for (const f of shuffle([...Array(nFeatures).keys()], rng)) {
      if (tried >= tryFeatures) break
      const candidate = bestSplitOn(X, y, indices, f, nClasses)
      if (candidate === null) continue
      tried++
      if (best === null || candidate.impurity < best.impurity) best = candidate
    }
    if (best === null || best.impurity >= n * impurity) return id
    importances[best.feature] += n * impurity - best.impurity
    const split = best
    const goesLeft = (i: number) => X[i][split.feature] <= split.threshold
    const node: SplitNode = { leaf: false, feature: split.feature, threshold: split.threshold, left: -1, right: -1 }
    nodes[id] = node
    node.left = grow(indices.filter(goesLeft), depth + 1)
    node.right = grow(indices.filter((i) => !goesLeft(i)), depth + 1)
    return id
  }
  grow(sample, 0)
  return nodes
}

/** The leaf probabilities of one row; the row is compared in float32, as onnxruntime does. */
export function treeProba (tree: Tree, row: number[]): number[] {
  let node = tree[0]
  while (!node.leaf) node = tree[Math.fround(row[node.feature]) <= node.threshold ? node.left : node.right]
  return node.probabilities
}

const normalise = (v: number[]): number[] => {
  const sum = v.reduce((s, x) => s + x, 0)
  return sum > 0 ? v.map((x) => x / sum) : v.map(() => 0)
}

export function trainForest (data: Dataset, nClasses: number, params: Partial<ForestParams> & { seed: number }): ForestModel {
  const p: ForestParams = { ...FOREST_DEFAULTS, ...params }
  checkParams(p)
  if (data.X.length === 0) throw new RangeError('forest needs at least one training row')
  const rng = createRng(p.seed)
  const X = data.X.map((row) => row.map(Math.fround))
  const n = X.length
  const nFeatures = X[0].length
  const trees: Tree[] = []
  const importanceSum = new Array<number>(nFeatures).fill(0)
  for (let t = 0; t < p.nEstimators; t++) {
    const sample = p.bootstrap ? Array.from({ length: n }, () => randomInt(rng, n)) : [...Array(n).keys()]
    const importances = new Array<number>(nFeatures).fill(0)
    trees.push(growTree(X, data.y, sample, nClasses, p, rng, importances))
    normalise(importances).forEach((v, f) => { importanceSum[f] += v })
  }
  const predictProba = (rows: number[][]): number[][] => rows.map((row) => {
    const sum = new Array<number>(nClasses).fill(0)
    for (const tree of trees) treeProba(tree, row).forEach((v, c) => { sum[c] += v })
    return sum.map((v) => v / trees.length)
  })
  return {
    kind: 'forest',
    params: p,
    nFeatures,
    nClasses,
    trees,
    featureImportances: normalise(importanceSum),
    predictProba,
    predict: (rows) => predictProba(rows).map(argmax)
  }
}
