import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import t, { type Test } from 'tap'
import { trainForest, type ForestModel } from '../../../services/training/forest.js'
import { CLASS_NAMES, FEATURE_NAMES, createRng, loadIris, stratifiedSplit } from '../../../services/training/iris.js'
import { trainMlp, type MlpModel } from '../../../services/training/mlp.js'
import { exportForest, exportMlp, exportOnnx } from '../../../services/training/onnx-export.js'

const { onnx } = onnxProto
const data = loadIris()
const split = stratifiedSplit(data, createRng(42))
const info = { classNames: CLASS_NAMES, featureNames: FEATURE_NAMES }
const models: Array<[string, ForestModel | MlpModel]> = [
  ['forest', trainForest(split.train, 3, { seed: 42 })],
  ['mlp (tanh)', trainMlp(split.train, 3, { seed: 42 })],
  ['mlp (relu)', trainMlp(split.train, 3, { seed: 42, activation: 'relu', hiddenUnits: 16 })]
]

/** The decoded ModelProto as a plain object: int64 as numbers, defaults filled, oneof names set. */
function decode (bytes: Uint8Array): any {
  return onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number, defaults: true, oneofs: true })
}

async function runOnnx (t: Test, bytes: Uint8Array, rows: number[][]) {
  const session = await ort.InferenceSession.create(Buffer.from(bytes), { intraOpNumThreads: 1 })
  t.teardown(() => session.release())
  const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) })
  return { session, probabilities: out.probabilities, label: out.label }
}

for (const [name, model] of models) {
  t.test(`${name}: onnxruntime gives the TypeScript model's probabilities and labels on all 150 rows`, async (t) => {
    const { session, probabilities, label } = await runOnnx(t, exportOnnx(model, info).bytes, data.X)
    t.same(session.inputNames, ['float_input'])
    t.same(session.outputNames, ['label', 'probabilities'])
    t.same(probabilities.dims, [150, 3])
    t.equal(probabilities.type, 'float32')
    t.equal(label.type, 'int64')
    const onnxP = probabilities.data as Float32Array
    let maxDiff = 0
    model.predictProba(data.X).forEach((row, r) => row.forEach((p, c) => { maxDiff = Math.max(maxDiff, Math.abs(p - onnxP[r * 3 + c])) }))
    t.ok(maxDiff <= 1e-5, `max abs diff ${maxDiff} <= 1e-5`)
    t.same(Array.from(label.data as BigInt64Array, Number), model.predict(data.X), 'identical labels')
  })
}

t.test('forest graph: one ai.onnx.ml TreeEnsembleClassifier, no ZipMap, mean of the trees', async (t) => {
  const forest = models[0][1] as ForestModel
  const { bytes, opset } = exportForest(forest, info)
  t.ok(bytes.length < 100_000, `${bytes.length} bytes`)
  t.same(opset, { 'ai.onnx': 17, 'ai.onnx.ml': 3 })
  const model = decode(bytes)
  t.equal(model.irVersion, 8)
  t.equal(model.producerName, 'inference-gateway')
  t.same(model.opsetImport.map((o: any) => [o.domain, o.version]), [['', 17], ['ai.onnx.ml', 3]])
  t.same(model.metadataProps.map((p: any) => [p.key, p.value]), [['algorithm', 'forest'], ['classes', '["setosa","versicolor","virginica"]'], ['feature_names', '["sepal_length","sepal_width","petal_length","petal_width"]']])
  t.same(model.graph.node.map((n: any) => [n.domain, n.opType]), [['ai.onnx.ml', 'TreeEnsembleClassifier']])
  const attrs = Object.fromEntries(model.graph.node[0].attribute.map((a: any) => [a.name, a]))
  t.same(attrs.classlabels_int64s.ints, [0, 1, 2])
  t.equal(Buffer.from(attrs.post_transform.s).toString(), 'NONE')
  const weights = attrs.class_weights.floats
  t.ok(Math.abs(weights.reduce((s: number, w: number) => s + w, 0) - forest.trees.flat().filter((n) => n.leaf).length / 50) < 1e-4, 'each leaf sums to 1/nEstimators')
  t.same(model.graph.node[0].output, ['label', 'probabilities'])
})

t.test('mlp graph: standardization, Gemm, activation, Gemm, Softmax, ArgMax in the default domain', async (t) => {
  const { bytes, opset } = exportMlp(models[1][1] as MlpModel, info)
  t.same(opset, { 'ai.onnx': 17 })
  const model = decode(bytes)
  t.same(model.graph.node.map((n: any) => n.opType), ['Sub', 'Div', 'Gemm', 'Tanh', 'Gemm', 'Softmax', 'ArgMax'])
  t.ok(model.graph.node.every((n: any) => n.domain === ''))
  t.same(model.graph.initializer.map((i: any) => [i.name, i.dims]), [['mean', [4]], ['std', [4]], ['W1', [8, 4]], ['b1', [8]], ['W2', [3, 8]], ['b2', [3]]])
  const input = model.graph.input[0]
  t.equal(input.name, 'float_input')
  t.equal(input.type.tensorType.elemType, onnx.TensorProto.DataType.FLOAT)
  t.same(input.type.tensorType.shape.dim.map((d: any) => d[d.value]), ['N', 4])
  const outputs = model.graph.output.map((o: any) => [o.name, o.type.tensorType.elemType, o.type.tensorType.shape.dim.map((d: any) => d[d.value])])
  t.same(outputs, [['label', onnx.TensorProto.DataType.INT64, ['N']], ['probabilities', onnx.TensorProto.DataType.FLOAT, ['N', 3]]])
})

t.test('exports are byte-for-byte reproducible', async (t) => {
  for (const [, model] of models) t.same(exportOnnx(model, info).bytes, exportOnnx(model, info).bytes)
})

t.test('names that do not fit the model are refused', async (t) => {
  t.throws(() => exportOnnx(models[0][1], { ...info, classNames: ['a', 'b'] }), /2 class names for a model of 3 classes/)
  t.throws(() => exportOnnx(models[1][1], { ...info, featureNames: ['a'] }), /1 feature names for a model of 4 features/)
})
