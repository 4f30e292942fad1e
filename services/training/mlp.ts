// A one-hidden-layer perceptron: standardized inputs, ReLU or tanh, softmax output, cross-entropy,
// mini-batch Adam. The standardization is part of the model (mean/std) so the exported graph takes
// raw centimetres, like the forest. Parameters are rounded to float32 after training: the ONNX
// initializers then hold exactly the numbers the TypeScript forward pass uses.
import { createRng, shuffle, type Dataset, type Rng } from './iris.js'
import { argmax } from './metrics.js'

export type Activation = 'relu' | 'tanh'

export interface MlpParams {
  hiddenUnits: number
  activation: Activation
  epochs: number
  batchSize: number
  learningRate: number
  /** L2 penalty on the weights (not the biases). */
  l2: number
  seed: number
}

export const MLP_DEFAULTS: Omit<MlpParams, 'seed'> = {
  hiddenUnits: 8,
  activation: 'tanh',
  epochs: 300,
  batchSize: 16,
  learningRate: 0.01,
  l2: 0.0001
}

export interface MlpModel {
  kind: 'mlp'
  params: MlpParams
  nFeatures: number
  nClasses: number
  mean: number[]
  std: number[]
  /** [hiddenUnits][nFeatures]: rows are units (ONNX Gemm with transB=1). */
  W1: number[][]
  b1: number[]
  /** [nClasses][hiddenUnits] */
  W2: number[][]
  b2: number[]
  predictProba: (rows: number[][]) => number[][]
  predict: (rows: number[][]) => number[]
}

function checkParams (p: MlpParams): void {
  const positiveInts = ['hiddenUnits', 'epochs', 'batchSize'] as const
  for (const key of positiveInts) {
    if (!Number.isInteger(p[key]) || p[key] < 1) throw new RangeError(`mlp ${key} must be a positive integer, got ${p[key]}`)
  }
  if (!(p.learningRate > 0 && Number.isFinite(p.learningRate))) throw new RangeError(`mlp learningRate must be > 0, got ${p.learningRate}`)
  if (!(p.l2 >= 0 && Number.isFinite(p.l2))) throw new RangeError(`mlp l2 must be >= 0, got ${p.l2}`)
  if (p.activation !== 'relu' && p.activation !== 'tanh') throw new RangeError(`mlp activation must be 'relu' or 'tanh', got '${String(p.activation)}'`)
}

const matrix = (rows: number, cols: number, fill: () => number): number[][] =>
  Array.from({ length: rows }, () => Array.from({ length: cols }, fill))

/** Glorot-uniform for tanh, He-uniform for ReLU. */
function initWeights (rows: number, cols: number, activation: Activation, rng: Rng): number[][] {
  const limit = activation === 'relu' ? Math.sqrt(6 / cols) : Math.sqrt(6 / (rows + cols))
  return matrix(rows, cols, () => (rng() * 2 - 1) * limit)
}

function softmaxInPlace (z: number[]): number[] {
  const max = Math.max(...z)
  let sum = 0
  for (let i = 0; i < z.length; i++) { z[i] = Math.exp(z[i] - max); sum += z[i] }
  for (let i = 0; i < z.length; i++) z[i] /= sum
  return z
}

/** Adam state and update for one parameter matrix (a bias vector is passed as one row). */
function adamFor (rows: number[][]) {
  const m = rows.map((r) => r.map(() => 0))
  const v = rows.map((r) => r.map(() => 0))
  return (params: number[][], grads: number[][], lr: number, step: number) => {
    const b1 = 0.9
    const b2 = 0.999
    const c1 = 1 - b1 ** step
    const c2 = 1 - b2 ** step
    for (let i = 0; i < params.length; i++) {
      for (let j = 0; j < params[i].length; j++) {
        const g = grads[i][j]
        m[i][j] = b1 * m[i][j] + (1 - b1) * g
        v[i][j] = b2 * v[i][j] + (1 - b2) * g * g
        params[i][j] -= lr * (m[i][j] / c1) / (Math.sqrt(v[i][j] / c2) + 1e-8)
      }
    }
  }
}

interface Weights { mean: number[], std: number[], W1: number[][], b1: number[], W2: number[][], b2: number[] }

/** Forward pass of one raw row: standardized input, hidden activations, class probabilities. */
function forward (w: Weights, activation: Activation, row: number[]) {
  const x = row.map((v, i) => (v - w.mean[i]) / w.std[i])
  const z1 = w.W1.map((unit, h) => unit.reduce((s, wi, i) => s + wi * x[i], 0) + w.b1[h])
  const a1 = z1.map((z) => activation === 'relu' ? Math.max(0, z) : Math.tanh(z))
  const p = softmaxInPlace(w.W2.map((cls, k) => cls.reduce((s, wh, h) => s + wh * a1[h], 0) + w.b2[k]))
  return { x, a1, p }
}

export function trainMlp (data: Dataset, nClasses: number, params: Partial<MlpParams> & { seed: number }): MlpModel {
  const p: MlpParams = { ...MLP_DEFAULTS, ...params }
  checkParams(p)
  if (data.X.length === 0) throw new RangeError('mlp needs at least one training row')
  const rng = createRng(p.seed)
  const n = data.X.length
  const d = data.X[0].length
  const mean = Array.from({ length: d }, (_, f) => Math.fround(data.X.reduce((s, r) => s + r[f], 0) / n))
  const std = mean.map((mu, f) => {
    const sd = Math.sqrt(data.X.reduce((s, r) => s + (r[f] - mu) ** 2, 0) / n)
    return sd > 0 ? Math.fround(sd) : 1
  })
  const w: Weights = {
    mean,
    std,
    W1: initWeights(p.hiddenUnits, d, p.activation, rng),
    b1: new Array<number>(p.hiddenUnits).fill(0),
    W2: initWeights(nClasses, p.hiddenUnits, p.activation, rng),
    b2: new Array<number>(nClasses).fill(0)
  }
  const adam = { W1: adamFor(w.W1), b1: adamFor([w.b1]), W2: adamFor(w.W2), b2: adamFor([w.b2]) }
  let step = 0
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    const order = shuffle(data.X.map((_, i) => i), rng)
    for (let start = 0; start < n; start += p.batchSize) {
      const batch = order.slice(start, start + p.batchSize)
      const gW1 = matrix(p.hiddenUnits, d, () => 0)
      const gb1 = new Array<number>(p.hiddenUnits).fill(0)
      const gW2 = matrix(nClasses, p.hiddenUnits, () => 0)
      const gb2 = new Array<number>(nClasses).fill(0)
      for (const i of batch) {
        const { x, a1, p: prob } = forward(w, p.activation, data.X[i])
        // d(cross-entropy)/d(logits) of softmax is p - onehot
        const dz2 = prob.map((pk, k) => (pk - (k === data.y[i] ? 1 : 0)) / batch.length)
        for (let k = 0; k < nClasses; k++) {
          gb2[k] += dz2[k]
          for (let h = 0; h < p.hiddenUnits; h++) gW2[k][h] += dz2[k] * a1[h]
        }
        for (let h = 0; h < p.hiddenUnits; h++) {
          let da = 0
          for (let k = 0; k < nClasses; k++) da += w.W2[k][h] * dz2[k]
          const dz = p.activation === 'relu' ? (a1[h] > 0 ? da : 0) : da * (1 - a1[h] * a1[h])
          gb1[h] += dz
          for (let f = 0; f < d; f++) gW1[h][f] += dz * x[f]
        }
      }
      for (const [W, g] of [[w.W1, gW1], [w.W2, gW2]] as const) {
        W.forEach((row, r) => row.forEach((v, c) => { g[r][c] += p.l2 * v }))
      }
      step++
      adam.W1(w.W1, gW1, p.learningRate, step)
      adam.W2(w.W2, gW2, p.learningRate, step)
      adam.b1([w.b1], [gb1], p.learningRate, step)
      adam.b2([w.b2], [gb2], p.learningRate, step)
    }
  }
  const f32 = (v: number[]) => v.map(Math.fround)
  const final: Weights = { mean, std, W1: w.W1.map(f32), b1: f32(w.b1), W2: w.W2.map(f32), b2: f32(w.b2) }
  const predictProba = (rows: number[][]) => rows.map((row) => forward(final, p.activation, row).p)
  return {
    kind: 'mlp',
    params: p,
    nFeatures: d,
    nClasses,
    ...final,
    predictProba,
    predict: (rows) => predictProba(rows).map(argmax)
  }
}
