// Seed 002's `simple_classifier`: logistic regression on two features, trained in TypeScript by
// mini-batch gradient descent on a deterministic synthetic dataset, exported to ONNX as
// Gemm -> Sigmoid with one float output `probabilities` [N, 1] (the positive-class probability).
import onnxProto, { type onnx as proto } from 'onnx-proto'
import { createRng, shuffle, type Rng } from '../iris.js'
import { INPUT_NAME, IR_VERSION, OPSET, OUTPUT_NAMES, PRODUCER_NAME } from '../onnx-export.js'

const { onnx } = onnxProto

export interface TrainParams { epochs: number, batch_size: number, learning_rate: number, seed: number }
export interface Data { X: number[][], y: number[] }
export interface LogisticModel { w: [number, number], b: number }

export const FEATURES = ['x1', 'x2'] as const
/** Fixed seeds: the training data varies with the train seed, the holdout never does. */
export const HOLDOUT_SEED = 20241
export const SAMPLES = 600

function gaussian (rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())
}

/** Two clusters around (+1, +1) and (-1, -1); class 1 is the first. Separable up to a few overlaps. */
export function syntheticData (n: number, seed: number): Data {
  const rng = createRng(seed)
  const X: number[][] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const label = i % 2
    const c = label === 1 ? 1 : -1
    X.push([c + 0.5 * gaussian(rng), c + 0.5 * gaussian(rng)])
    y.push(label)
  }
  return { X, y }
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
export const predictProba = (m: LogisticModel, x: number[]) => sigmoid(m.w[0] * x[0] + m.w[1] * x[1] + m.b)

/** Mini-batch gradient descent on the log loss; `log` receives one line per epoch. */
export function trainLogistic (data: Data, p: TrainParams, log: (line: string) => void): LogisticModel {
  const m: LogisticModel = { w: [0, 0], b: 0 }
  const rng = createRng(p.seed)
  const idx = data.X.map((_, i) => i)
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    const order = shuffle(idx, rng)
    for (let s = 0; s < order.length; s += p.batch_size) {
      const batch = order.slice(s, s + p.batch_size)
      const g = [0, 0, 0]
      for (const i of batch) {
        const err = predictProba(m, data.X[i]) - data.y[i]
        g[0] += err * data.X[i][0]; g[1] += err * data.X[i][1]; g[2] += err
      }
      m.w[0] -= p.learning_rate * g[0] / batch.length
      m.w[1] -= p.learning_rate * g[1] / batch.length
      m.b -= p.learning_rate * g[2] / batch.length
    }
    log(`epoch ${epoch}/${p.epochs} loss=${logLoss(m, data).toFixed(6)} accuracy=${(100 * accuracy(data.X.map((x) => predictProba(m, x)), data.y)).toFixed(2)}%`)
  }
  return m
}

export function logLoss (m: LogisticModel, d: Data): number {
  const eps = 1e-7
  return -d.y.reduce((s, y, i) => { const q = Math.min(1 - eps, Math.max(eps, predictProba(m, d.X[i]))); return s + y * Math.log(q) + (1 - y) * Math.log(1 - q) }, 0) / d.y.length
}

/** Share of rows whose probability, thresholded at 0.5, matches the label. */
export function accuracy (probabilities: ArrayLike<number>, y: number[]): number {
  let hits = 0
  for (let i = 0; i < y.length; i++) if ((probabilities[i] >= 0.5 ? 1 : 0) === y[i]) hits++
  return hits / y.length
}

export function exportLogistic (m: LogisticModel): Uint8Array {
  const F32 = onnx.TensorProto.DataType.FLOAT
  const vi = (name: string, width: number): proto.IValueInfoProto => ({ name, type: { tensorType: { elemType: F32, shape: { dim: [{ dimParam: 'N' }, { dimValue: width }] } } } })
  const graph: proto.IGraphProto = {
    name: 'simple_classifier',
    initializer: [
      { name: 'W', dims: [1, 2], dataType: F32, floatData: [m.w[0], m.w[1]] },
      { name: 'B', dims: [1], dataType: F32, floatData: [m.b] }
    ],
    node: [
      { opType: 'Gemm', input: [INPUT_NAME, 'W', 'B'], output: ['logit'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }], name: 'Gemm_logit', domain: '' },
      { opType: 'Sigmoid', input: ['logit'], output: [OUTPUT_NAMES.probabilities], name: 'Sigmoid_probabilities', domain: '' }
    ],
    input: [vi(INPUT_NAME, 2)],
    output: [vi(OUTPUT_NAMES.probabilities, 1)]
  }
  const model: proto.IModelProto = {
    irVersion: IR_VERSION,
    producerName: PRODUCER_NAME,
    opsetImport: [{ domain: '', version: OPSET }],
    graph,
    metadataProps: [{ key: 'algorithm', value: 'logistic_regression' }, { key: 'feature_names', value: JSON.stringify(FEATURES) }]
  }
  return new Uint8Array(onnx.ModelProto.encode(model).finish())
}

export const metadataFor = (p: TrainParams) => ({
  algorithm: 'logistic_regression',
  model_type: 'LogisticRegression',
  params: p,
  classes: ['positive'],
  feature_names: [...FEATURES],
  input_name: INPUT_NAME,
  output_names: { probabilities: OUTPUT_NAMES.probabilities },
  opset: { 'ai.onnx': OPSET }
})
