// What the gateway accepts as a model: ONNX only, checked before anything is kept or served. Every
// way in (embedded registry uploads, the MLflow backend, the models directory) goes through
// openCheckedSession: the bytes are sniffed (a pickle, joblib, safetensors, HDF5 or SavedModel zip is
// refused by name: loading a pickle runs arbitrary code), parsed as an ONNX ModelProto, its opsets
// checked against what onnxruntime runs, then opened in a session whose inputs and outputs must fit
// the declared features and classes and which must answer a probe batch with finite probabilities.
import onnxProto from 'onnx-proto'
import * as ort from 'onnxruntime-node'
import { Tensor } from 'onnxruntime-node'
import { ModelFormatUnsupportedError, ModelInvalidError } from '../lib/errors.js'

const { onnx } = onnxProto

/** Highest opset per domain onnxruntime-node 1.30 loads (measured: ai.onnx 27 and ai.onnx.ml 6 are refused). */
export const SUPPORTED_OPSETS: Readonly<Record<string, number>> = { 'ai.onnx': 26, 'ai.onnx.ml': 5 }

export interface Sniffed { format: string, why: string }

const PICKLE_WHY = 'loading a pickle runs arbitrary code; export the model to ONNX (skl2onnx, tf2onnx, torch.onnx)'
const ascii = (b: Uint8Array, from: number, to: number) => Buffer.from(b.subarray(from, to)).toString('latin1')
const startsWith = (b: Uint8Array, magic: number[]) => magic.every((x, i) => b[i] === x)

/** Names a non-ONNX format from its magic bytes; null when the bytes may be ONNX (a protobuf). */
export function sniffFormat (b: Uint8Array): Sniffed | null {
  if (b.length === 0) return { format: 'empty', why: 'no bytes' }
  if (b[0] === 0x80 && b[1] >= 2 && b[1] <= 5) {
    const joblib = Buffer.from(b.subarray(0, 4096)).includes('joblib')
    return { format: joblib ? 'joblib (a Python pickle)' : `Python pickle (protocol ${b[1]})`, why: PICKLE_WHY }
  }
  // Protocol 0/1 pickles are text opcodes ending with STOP ('.').
  if (b[b.length - 1] === 0x2e && '(]}cKIJNSVX'.includes(String.fromCharCode(b[0]))) return { format: 'Python pickle (protocol 0/1)', why: PICKLE_WHY }
  if (b[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(b[1])) return { format: 'zlib-compressed joblib', why: `it holds a compressed pickle: ${PICKLE_WHY}` }
  if (ascii(b, 0, 2) === 'ZF') return { format: 'compressed joblib (zfile)', why: `it holds a compressed pickle: ${PICKLE_WHY}` }
  if (startsWith(b, [0x1f, 0x8b])) return { format: 'gzip', why: 'a compressed file (joblib and pickles are often gzipped); send the raw .onnx bytes' }
  if (ascii(b, 0, 3) === 'BZh' || startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { format: 'bzip2/xz archive', why: 'a compressed file; send the raw .onnx bytes' }
  if (startsWith(b, [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'HDF5 (Keras .h5)', why: 'Keras/HDF5 weights are not served; convert with tf2onnx' }
  if (startsWith(b, [0x93]) && ascii(b, 1, 6) === 'NUMPY') return { format: 'NumPy .npy', why: 'an array, not a model; NumPy object arrays hold pickles' }
  if (ascii(b, 4, 8) === 'TFL3') return { format: 'TensorFlow Lite', why: 'TFLite flatbuffers are not served; convert with tf2onnx' }
  if (ascii(b, 0, 4) === 'PK\x03\x04') {
    const names = Buffer.from(b).toString('latin1')
    if (names.includes('saved_model.pb')) return { format: 'TensorFlow SavedModel (zip)', why: 'SavedModels are served by TF Serving, not here; convert with tf2onnx' }
    if (names.includes('data.pkl')) return { format: 'PyTorch checkpoint (zip with a pickle)', why: PICKLE_WHY }
    if (/\.(pkl|pickle|joblib)/.test(names)) return { format: 'zip holding a pickle', why: PICKLE_WHY }
    if (names.includes('.weights.h5') || names.includes('config.json')) return { format: 'Keras archive (zip)', why: 'Keras models are not served; convert with tf2onnx' }
    return { format: 'zip archive', why: 'send the raw .onnx bytes, not an archive' }
  }
  if (b.length >= 10 && b[8] === 0x7b) {
    // safetensors: an 8-byte little-endian header length, then that much JSON.
    const n = Number(Buffer.from(b.subarray(0, 8)).readBigUInt64LE())
    if (n > 1 && 8 + n <= b.length) return { format: 'safetensors', why: 'tensors without a graph: not a runnable model; export to ONNX' }
  }
  return null
}

export interface OnnxSummary { irVersion: number, opsets: Record<string, number>, inputs: string[], outputs: string[], nodes: number }

/** Parses the bytes as an ONNX ModelProto and checks its opsets; throws 415 (not ONNX) or 422 (ONNX we cannot run). */
export function inspectOnnx (bytes: Uint8Array): OnnxSummary {
  const other = sniffFormat(bytes)
  if (other !== null) throw new ModelFormatUnsupportedError(other.format, other.why)
  let model: ReturnType<typeof onnx.ModelProto.decode>
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw new ModelFormatUnsupportedError('unrecognised bytes', `they do not parse as an ONNX ModelProto (${(err as Error).message})`)
  }
  const irVersion = Number(model.irVersion)
  const graph = model.graph
  if (!(irVersion > 0) || graph == null || model.opsetImport.length === 0) {
    throw new ModelFormatUnsupportedError('unrecognised bytes', 'they are not an ONNX model (no ir_version, graph or opset_import)')
  }
  const opsets: Record<string, number> = {}
  for (const o of model.opsetImport) {
    const domain = o.domain == null || o.domain === '' ? 'ai.onnx' : o.domain
    const version = Number(o.version)
    opsets[domain] = version
    const max = SUPPORTED_OPSETS[domain]
    if (max !== undefined && version > max) throw new ModelInvalidError(`ONNX opset ${domain} ${version} is newer than onnxruntime supports (${max}); export with opset <= ${max}`)
  }
  const inputs = (graph.input ?? []).map((i) => i.name ?? '')
  const outputs = (graph.output ?? []).map((o) => o.name ?? '')
  const nodes = graph.node?.length ?? 0
  if (inputs.length === 0 || outputs.length === 0 || nodes === 0) throw new ModelInvalidError('the ONNX graph has no inputs, outputs or nodes')
  return { irVersion, opsets, inputs, outputs, nodes }
}

/** What the gateway serves from a session: one float32 [batch, features] input, a [batch, classes] probability output. */
export interface SessionLayout {
  inputName: string
  numFeatures: number
  classes: string[]
  featureNames: string[]
  probabilityOutput: string
  labelOutput: string | null
  labelType: string | null
}

export interface DeclaredModel {
  task?: unknown
  classes?: string[]
  feature_names?: string[]
  input_name?: string
  output_names?: { label?: string, probabilities?: string }
  feature_ranges?: Record<string, { min: number, max: number }>
}

/** Checks the session's inputs and outputs against the declared task, features and classes. */
export function describeSession (s: ort.InferenceSession, meta: DeclaredModel): SessionLayout {
  if (meta.task !== undefined && meta.task !== 'classification') throw new Error(`task '${String(meta.task)}' is not served: the gateway serves classification models`)
  const input = s.inputMetadata.find((m) => m.name === (meta.input_name ?? s.inputNames[0]))
  if (input === undefined || !input.isTensor || input.type !== 'float32' || input.shape.length !== 2) {
    throw new Error(`input '${input?.name ?? meta.input_name}' must be a float32 tensor of shape [batch, features]`)
  }
  const numFeatures = Number(input.shape[1])
  if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`input '${input.name}' has no fixed feature count (shape ${JSON.stringify(input.shape)})`)
  if (meta.feature_names !== undefined && meta.feature_names.length !== numFeatures) {
    throw new Error(`input '${input.name}' takes ${numFeatures} features but metadata declares ${meta.feature_names.length} (${meta.feature_names.join(', ')})`)
  }
  const outputs = s.outputMetadata
  const probability = outputs.find((m) => m.name === meta.output_names?.probabilities) ??
    outputs.find((m) => m.isTensor && m.type === 'float32' && m.shape.length === 2)
  if (probability === undefined || !probability.isTensor) {
    const zipmap = outputs.find((m) => !m.isTensor)
    throw new Error(zipmap !== undefined
      ? `output '${zipmap.name}' is a sequence of maps (scikit-learn's ZipMap), not a tensor; re-export with skl2onnx options {'zipmap': False} so probabilities are a [batch, classes] float tensor`
      : 'no float32 [batch, classes] probability output')
  }
  const numClasses = Number(probability.shape[1])
  if (meta.classes !== undefined && Number.isInteger(numClasses) && meta.classes.length !== numClasses) {
    throw new Error(`output '${probability.name}' gives ${numClasses} class probabilities but metadata declares ${meta.classes.length} classes`)
  }
  const label = outputs.find((m) => m.name === meta.output_names?.label) ??
    outputs.find((m) => m.isTensor && m.name !== probability.name && m.shape.length === 1)
  return {
    inputName: input.name,
    numFeatures,
    classes: meta.classes ?? (Number.isInteger(numClasses) ? Array.from({ length: numClasses }, (_, i) => String(i)) : []),
    featureNames: meta.feature_names ?? Array.from({ length: numFeatures }, (_, i) => `f${i}`),
    probabilityOutput: probability.name,
    labelOutput: label?.name ?? null,
    labelType: label?.isTensor === true ? label.type : null
  }
}

const PROBE_ROWS = 2

/** Runs a small batch (mid-range values where ranges are declared, else 0 and 1) and checks the answer's shape and values. */
async function probe (s: ort.InferenceSession, layout: SessionLayout, meta: DeclaredModel): Promise<void> {
  const input = new Float32Array(PROBE_ROWS * layout.numFeatures)
  for (let r = 0; r < PROBE_ROWS; r++) {
    for (let f = 0; f < layout.numFeatures; f++) {
      const range = meta.feature_ranges?.[layout.featureNames[f]]
      input[r * layout.numFeatures + f] = range !== undefined ? range.min + (range.max - range.min) * (r + 1) / (PROBE_ROWS + 1) : r
    }
  }
  const result = await s.run({ [layout.inputName]: new Tensor('float32', input, [PROBE_ROWS, layout.numFeatures]) }, [layout.probabilityOutput])
  const out = result[layout.probabilityOutput]
  if (out.dims[0] !== PROBE_ROWS || out.data.length !== PROBE_ROWS * layout.classes.length) {
    throw new Error(`a probe batch of ${PROBE_ROWS} rows answered '${layout.probabilityOutput}' with shape [${out.dims.join(', ')}], expected [${PROBE_ROWS}, ${layout.classes.length}]`)
  }
  for (const x of out.data as Float32Array) if (!Number.isFinite(x)) throw new Error(`a probe batch answered a non-finite probability (${x})`)
}

/**
 * The one gate before a model is kept or served: sniff, parse, opsets, then a session that must fit
 * the declared model and answer a probe batch. Returns the open session (the caller owns it); any
 * failure releases it and throws 415 GW_MODEL_FORMAT_UNSUPPORTED or 422 GW_MODEL_INVALID.
 */
export async function openCheckedSession (bytes: Uint8Array, meta: DeclaredModel, sessionOptions: ort.InferenceSession.SessionOptions) {
  const summary = inspectOnnx(bytes)
  let session: ort.InferenceSession
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions)
  } catch (err) {
    throw new ModelInvalidError(`onnxruntime cannot load the model: ${firstLine((err as Error).message)}`, { cause: err })
  }
  try {
    const layout = describeSession(session, meta)
    await probe(session, layout, meta)
    return { session, layout, summary }
  } catch (err) {
    await session.release()
    throw new ModelInvalidError(firstLine((err as Error).message), { cause: err })
  }
}

/** Validates an artifact in a throw-away session (registration): nothing stays loaded. */
export async function validateModelArtifact (bytes: Uint8Array, meta: Record<string, unknown>): Promise<OnnxSummary> {
  for (const field of ['classes', 'feature_names'] as const) {
    const v = meta[field]
    if (v !== undefined && (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string'))) throw new ModelInvalidError(`metadata.${field} must be a non-empty array of strings`)
  }
  const { session, summary } = await openCheckedSession(bytes, meta as DeclaredModel, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' })
  await session.release()
  return summary
}

/** Strict base64 (standard or URL alphabet, padding optional): Buffer.from would silently skip bad characters. */
export function decodeBase64Strict (field: string, text: string): Buffer {
  const s = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length % 4 === 1) throw new ModelInvalidError(`${field} is not valid base64`)
  return Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64')
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 500)
