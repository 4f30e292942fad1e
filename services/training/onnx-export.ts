// Our own ONNX exporter for the two trained model kinds, built on the onnx-proto message classes.
// Both graphs have the same interface: input `float_input` float32 [N, features], outputs `label`
// int64 [N] and `probabilities` float32 [N, classes]. No ZipMap: a sequence of maps is not a
// tensor, and Triton cannot serve it. Nothing time- or host-dependent goes into the bytes, so the
// same model always exports to the same sha256.
import onnxProto, { type onnx as proto } from 'onnx-proto'
import type { ForestModel } from './forest.js'
import type { MlpModel } from './mlp.js'

const { onnx } = onnxProto

export const INPUT_NAME = 'float_input'
export const OUTPUT_NAMES = { label: 'label', probabilities: 'probabilities' } as const
export const IR_VERSION = 8
export const OPSET = 17
export const ML_OPSET = 3
export const PRODUCER_NAME = 'inference-gateway'

export interface ExportInfo {
  classNames: readonly string[]
  featureNames: readonly string[]
  /** Model-level description; keep it free of timestamps to keep exports reproducible. */
  docString?: string
}

export interface OnnxExport {
  bytes: Uint8Array
  /** Opset version per domain, 'ai.onnx' for the default domain. */
  opset: Record<string, number>
}

const { FLOAT, INT, STRING, FLOATS, INTS, STRINGS } = onnx.AttributeProto.AttributeType
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

const attr = {
  int: (name: string, i: number): proto.IAttributeProto => ({ name, type: INT, i }),
  float: (name: string, f: number): proto.IAttributeProto => ({ name, type: FLOAT, f }),
  string: (name: string, s: string): proto.IAttributeProto => ({ name, type: STRING, s: utf8(s) }),
  ints: (name: string, ints: number[]): proto.IAttributeProto => ({ name, type: INTS, ints }),
  floats: (name: string, floats: number[]): proto.IAttributeProto => ({ name, type: FLOATS, floats }),
  strings: (name: string, strings: string[]): proto.IAttributeProto => ({ name, type: STRINGS, strings: strings.map(utf8) })
}

function node (opType: string, input: string[], output: string[], attribute: proto.IAttributeProto[] = [], domain = ''): proto.INodeProto {
  return { opType, input, output, attribute, domain, name: `${opType}_${output[0]}` }
}

function floatTensor (name: string, dims: number[], values: number[]): proto.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: values }
}

/** A tensor type whose first dimension is the symbolic batch size N. */
function valueInfo (name: string, elemType: number, dims: number[]): proto.IValueInfoProto {
  const dim = [{ dimParam: 'N' }, ...dims.map((dimValue) => ({ dimValue }))]
  return { name, type: { tensorType: { elemType, shape: { dim } } } }
}

function graphIo (model: { nFeatures: number, nClasses: number }) {
  const { FLOAT: F32, INT64 } = onnx.TensorProto.DataType
  return {
    input: [valueInfo(INPUT_NAME, F32, [model.nFeatures])],
    output: [valueInfo(OUTPUT_NAMES.label, INT64, []), valueInfo(OUTPUT_NAMES.probabilities, F32, [model.nClasses])]
  }
}

function checkInfo (model: { nFeatures: number, nClasses: number }, info: ExportInfo): void {
  if (info.classNames.length !== model.nClasses) throw new RangeError(`${info.classNames.length} class names for a model of ${model.nClasses} classes`)
  if (info.featureNames.length !== model.nFeatures) throw new RangeError(`${info.featureNames.length} feature names for a model of ${model.nFeatures} features`)
}

function encodeModel (graph: proto.IGraphProto, opset: Record<string, number>, info: ExportInfo, algorithm: string): Uint8Array {
  const model: proto.IModelProto = {
    irVersion: IR_VERSION,
    producerName: PRODUCER_NAME,
    opsetImport: Object.entries(opset).map(([domain, version]) => ({ domain: domain === 'ai.onnx' ? '' : domain, version })),
    docString: info.docString ?? '',
    graph,
    metadataProps: [
      { key: 'algorithm', value: algorithm },
      { key: 'classes', value: JSON.stringify(info.classNames) },
      { key: 'feature_names', value: JSON.stringify(info.featureNames) }
    ]
  }
  return new Uint8Array(onnx.ModelProto.encode(model).finish())
}

/** Sub/Div standardization, Gemm, activation, Gemm, Softmax, ArgMax: the TypeScript forward pass. */
export function exportMlp (model: MlpModel, info: ExportInfo): OnnxExport {
  checkInfo(model, info)
  const h = model.params.hiddenUnits
  const graph: proto.IGraphProto = {
    name: 'mlp_classifier',
    initializer: [
      floatTensor('mean', [model.nFeatures], model.mean),
      floatTensor('std', [model.nFeatures], model.std),
      floatTensor('W1', [h, model.nFeatures], model.W1.flat()),
      floatTensor('b1', [h], model.b1),
      floatTensor('W2', [model.nClasses, h], model.W2.flat()),
      floatTensor('b2', [model.nClasses], model.b2)
    ],
    node: [
      node('Sub', [INPUT_NAME, 'mean'], ['centered']),
      node('Div', ['centered', 'std'], ['standardized']),
      node('Gemm', ['standardized', 'W1', 'b1'], ['hidden_linear'], [attr.int('transB', 1)]),
      node(model.params.activation === 'relu' ? 'Relu' : 'Tanh', ['hidden_linear'], ['hidden']),
      node('Gemm', ['hidden', 'W2', 'b2'], ['logits'], [attr.int('transB', 1)]),
      node('Softmax', ['logits'], [OUTPUT_NAMES.probabilities], [attr.int('axis', 1)]),
      node('ArgMax', [OUTPUT_NAMES.probabilities], [OUTPUT_NAMES.label], [attr.int('axis', 1), attr.int('keepdims', 0)])
    ],
    ...graphIo(model)
  }
  const opset = { 'ai.onnx': OPSET }
  return { bytes: encodeModel(graph, opset, info, 'mlp'), opset }
}

/**
 * One ai.onnx.ml TreeEnsembleClassifier. Each leaf carries its class probabilities divided by the
 * tree count, so with post_transform NONE the summed scores are the forest's mean probabilities.
 */
export function exportForest (model: ForestModel, info: ExportInfo): OnnxExport {
  checkInfo(model, info)
  const n = {
    treeids: [] as number[],
    nodeids: [] as number[],
    featureids: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    truenodeids: [] as number[],
    falsenodeids: [] as number[]
  }
  const c = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] }
  model.trees.forEach((tree, t) => tree.forEach((nd, id) => {
    n.treeids.push(t)
    n.nodeids.push(id)
    n.featureids.push(nd.leaf ? 0 : nd.feature)
    n.modes.push(nd.leaf ? 'LEAF' : 'BRANCH_LEQ')
    n.values.push(nd.leaf ? 0 : nd.threshold)
    n.truenodeids.push(nd.leaf ? 0 : nd.left)
    n.falsenodeids.push(nd.leaf ? 0 : nd.right)
    if (!nd.leaf) return
    nd.probabilities.forEach((p, k) => {
      c.treeids.push(t)
      c.nodeids.push(id)
      c.ids.push(k)
      c.weights.push(p / model.trees.length)
    })
  }))
  const ensemble = node('TreeEnsembleClassifier', [INPUT_NAME], [OUTPUT_NAMES.label, OUTPUT_NAMES.probabilities], [
    attr.ints('classlabels_int64s', info.classNames.map((_, k) => k)),
    attr.ints('nodes_treeids', n.treeids),
    attr.ints('nodes_nodeids', n.nodeids),
    attr.ints('nodes_featureids', n.featureids),
    attr.strings('nodes_modes', n.modes),
    attr.floats('nodes_values', n.values),
    attr.ints('nodes_truenodeids', n.truenodeids),
    attr.ints('nodes_falsenodeids', n.falsenodeids),
    attr.ints('class_treeids', c.treeids),
    attr.ints('class_nodeids', c.nodeids),
    attr.ints('class_ids', c.ids),
    attr.floats('class_weights', c.weights),
    attr.string('post_transform', 'NONE')
  ], 'ai.onnx.ml')
  const graph: proto.IGraphProto = { name: 'random_forest_classifier', node: [ensemble], ...graphIo(model) }
  const opset = { 'ai.onnx': OPSET, 'ai.onnx.ml': ML_OPSET }
  return { bytes: encodeModel(graph, opset, info, 'forest'), opset }
}

export function exportOnnx (model: MlpModel | ForestModel, info: ExportInfo): OnnxExport {
  return model.kind === 'mlp' ? exportMlp(model, info) : exportForest(model, info)
}
