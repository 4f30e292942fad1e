// What the ONNX graph of a model logged by another MLflow client tells the gateway, and the one
// rewrite it needs: skl2onnx's default export ends in a ZipMap node (probabilities as a sequence of
// {label: p} maps), which is not a tensor; the node is removed and its input, the [batch, classes]
// float tensor, becomes the graph output. The class labels are read from the ZipMap node or from the
// classifier node (TreeEnsembleClassifier, LinearClassifier, SVMClassifier: classlabels_*).
// https://onnx.ai/onnx/operators/onnx_aionnxml_ZipMap.html
import onnxProto, { type onnx as proto } from 'onnx-proto'

const { onnx } = onnxProto
const CLASSIFIERS = ['ZipMap', 'TreeEnsembleClassifier', 'LinearClassifier', 'SVMClassifier']
const FLOAT = onnx.TensorProto.DataType.FLOAT

export interface GraphFacts {
  /** The bytes to serve: the input unchanged, or the graph without its ZipMap node. */
  bytes: Uint8Array
  zipmapRemoved: boolean
  /** Class labels found in the graph, in probability-column order; null when it has none. */
  classes: string[] | null
  /** Columns of the float [batch, classes] output, when the graph declares them. */
  numClasses: number | null
  outputNames: { label?: string, probabilities?: string }
}

const utf8 = new TextDecoder()

function labelsOf (node: proto.INodeProto): string[] | null {
  for (const a of node.attribute ?? []) {
    if (a.name === 'classlabels_strings' && (a.strings?.length ?? 0) > 0) return (a.strings ?? []).map((s) => utf8.decode(s))
    if (a.name === 'classlabels_int64s' && (a.ints?.length ?? 0) > 0) return (a.ints ?? []).map((i) => String(i))
  }
  return null
}

const isTensor = (v: proto.IValueInfoProto) => v.type?.tensorType !== undefined && v.type?.tensorType !== null
const dims = (v: proto.IValueInfoProto) => v.type?.tensorType?.shape?.dim ?? []

/** Reads the graph; returns it unchanged (and no facts) when the bytes are not a model onnx-proto can read. */
export function inspectOnnx (bytes: Uint8Array): GraphFacts {
  let model: proto.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch {
    return { bytes, zipmapRemoved: false, classes: null, numClasses: null, outputNames: {} }
  }
  const graph = model.graph ?? new onnx.GraphProto()
  const nodes = graph.node ?? []
  let classes: string[] | null = null
  for (const op of CLASSIFIERS) {
    const node = nodes.find((n) => n.opType === op && labelsOf(n) !== null)
    if (node !== undefined) { classes = labelsOf(node); break }
  }
  const outputs = graph.output ?? []
  const zipmap = nodes.find((n) => n.opType === 'ZipMap' && outputs.some((o) => o.name === n.output?.[0]))
  let zipmapRemoved = false
  if (zipmap !== undefined && classes !== null && zipmap.input?.[0] !== undefined) {
    const probabilities = zipmap.input[0]
    const label = outputs.find((o) => isTensor(o) && dims(o).length === 1)
    // The batch dimension as the label output declares it (skl2onnx leaves it unnamed).
    const first = label === undefined ? undefined : dims(label)[0]
    const batch = first?.dimParam ? { dimParam: first.dimParam } : first?.dimValue ? { dimValue: first.dimValue } : label === undefined ? { dimParam: 'N' } : {}
    graph.node = nodes.filter((n) => n !== zipmap)
    graph.output = outputs.map((o) => o.name !== zipmap.output?.[0]
      ? o
      : onnx.ValueInfoProto.create({
        name: probabilities,
        type: { tensorType: { elemType: FLOAT, shape: { dim: [batch, { dimValue: classes?.length }] } } }
      }))
    zipmapRemoved = true
    bytes = onnx.ModelProto.encode(model).finish()
  }
  const probability = (graph.output ?? []).find((o) => isTensor(o) && o.type?.tensorType?.elemType === FLOAT && dims(o).length === 2)
  // int64 fields decode as Long objects: through their decimal text.
  const width = probability === undefined ? NaN : Number(String(dims(probability)[1].dimValue ?? NaN))
  const label = (graph.output ?? []).find((o) => isTensor(o) && dims(o).length === 1)
  return {
    bytes,
    zipmapRemoved,
    classes,
    numClasses: Number.isInteger(width) && width > 0 ? width : null,
    outputNames: { ...(label?.name ? { label: label.name } : {}), ...(probability?.name ? { probabilities: probability.name } : {}) }
  }
}

/** Column names of an MLflow signature part (a JSON string in MLmodel); null for a tensor signature. */
export function signatureColumns (part: unknown): string[] | null {
  if (typeof part !== 'string') return null
  let cols: unknown
  try { cols = JSON.parse(part) } catch { return null }
  if (!Array.isArray(cols) || cols.length === 0) return null
  const names = cols.map((c) => (c !== null && typeof c === 'object' && (c as { type?: string }).type !== 'tensor' ? (c as { name?: unknown }).name : undefined))
  return names.every((n): n is string => typeof n === 'string' && n !== '') ? names : null
}
