// The model-format gate on its own: real pickle, joblib and scikit-learn files from the test venv, the
// other refused formats, ONNX that does not fit its metadata or uses an opset onnxruntime refuses,
// and the committed models, which pass with their probe batch.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import onnxProto from 'onnx-proto'
import { decodeBase64Strict, inspectOnnx, sniffFormat, SUPPORTED_OPSETS, validateModelArtifact } from '../../../services/inference/model-format.js'
import { runPythonJson } from '../../helpers/python.js'

const { onnx } = onnxProto
const models = new URL('../../../models/', import.meta.url).pathname
const iris = await readFile(join(models, 'iris/1/model.onnx'))
const irisMeta = JSON.parse(await readFile(join(models, 'iris/1/metadata.json'), 'utf8'))
const simple = await readFile(join(models, 'registry/simple_classifier/1/model.onnx'))
const simpleMeta = JSON.parse(await readFile(join(models, 'registry/simple_classifier/1/metadata.json'), 'utf8'))

/** The iris model with a change made to its decoded ModelProto. */
function edited (change: (m: ReturnType<typeof onnx.ModelProto.decode>) => void): Uint8Array {
  const m = onnx.ModelProto.decode(iris)
  change(m)
  return onnx.ModelProto.encode(m).finish()
}

t.test('Python-made pickle, joblib, sklearn and the other formats are named and refused with 415', async (t) => {
  const paths = await runPythonJson<Record<string, string>>('test/python/model_formats.py', [t.testdir({})])
  const expected: Record<string, RegExp> = {
    'pickle-sklearn.pkl': /^Python pickle \(protocol 5\)$/,
    'pickle-protocol0.pkl': /^Python pickle \(protocol 0\/1\)$/,
    'joblib.joblib': /^joblib \(a Python pickle\)$/,
    'joblib-compressed.joblib': /^zlib-compressed joblib$/,
    'model.safetensors': /^safetensors$/,
    'model.h5': /^HDF5/,
    'savedmodel.zip': /^TensorFlow SavedModel \(zip\)$/,
    'random.bin': /^unrecognised bytes$/
  }
  t.same(Object.keys(paths).sort(), Object.keys(expected).sort())
  for (const [name, format] of Object.entries(expected)) {
    const bytes = await readFile(paths[name])
    const err = await validateModelArtifact(bytes, {}).then(() => null, (e: Error & { code: string, statusCode: number }) => e)
    t.equal(err?.code, 'GW_MODEL_FORMAT_UNSUPPORTED', name)
    t.equal(err?.statusCode, 415, name)
    if (name !== 'random.bin') t.match(sniffFormat(bytes)?.format, format, name)
    else t.match(err?.message, /^Refused: the artifact is unrecognised bytes, not ONNX: they (do not parse as|are not) an ONNX/)
    if (name.includes('pickle') || name.includes('joblib')) t.match(err?.message, /loading a pickle runs arbitrary code/, name)
  }
})

t.test('more magic bytes: gzip, npy, TFLite, zips, empty', async (t) => {
  const zip = (names: string) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from(names)])
  t.equal(sniffFormat(new Uint8Array(0))?.format, 'empty')
  t.equal(sniffFormat(Buffer.from([0x1f, 0x8b, 8, 0]))?.format, 'gzip')
  t.equal(sniffFormat(Buffer.from('BZh91AY'))?.format, 'bzip2/xz archive')
  t.equal(sniffFormat(Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY\x01\x00')]))?.format, 'NumPy .npy')
  t.equal(sniffFormat(Buffer.from('\x1c\x00\x00\x00TFL3', 'latin1'))?.format, 'TensorFlow Lite')
  t.equal(sniffFormat(Buffer.from('ZF0x'))?.format, 'compressed joblib (zfile)')
  t.equal(sniffFormat(zip('archive/data.pkl'))?.format, 'PyTorch checkpoint (zip with a pickle)')
  t.equal(sniffFormat(zip('m/model.joblib'))?.format, 'zip holding a pickle')
  t.equal(sniffFormat(zip('model.weights.h5'))?.format, 'Keras archive (zip)')
  t.equal(sniffFormat(zip('model.onnx'))?.format, 'zip archive')
  t.equal(sniffFormat(iris), null, 'ONNX is not mistaken for another format')
})

t.test('the committed ONNX models pass: parsed, opsets, probe batch', async (t) => {
  t.same(await validateModelArtifact(iris, irisMeta), { irVersion: 8, opsets: { 'ai.onnx': 17, 'ai.onnx.ml': 3 }, inputs: ['float_input'], outputs: ['label', 'probabilities'], nodes: 1 })
  t.match(await validateModelArtifact(simple, simpleMeta), { opsets: { 'ai.onnx': 17 }, inputs: ['float_input'] })
  t.match(await validateModelArtifact(iris, {}), { irVersion: 8 }, 'metadata is optional')
})

t.test('ONNX that does not fit its metadata, or that onnxruntime cannot run: 422 naming why', async (t) => {
  const refuse = async (bytes: Uint8Array, meta: Record<string, unknown>, message: RegExp) => {
    const err = await validateModelArtifact(bytes, meta).then(() => null, (e: Error & { code: string, statusCode: number }) => e)
    t.equal(err?.code, 'GW_MODEL_INVALID', message.source)
    t.equal(err?.statusCode, 422)
    t.match(err?.message, message)
  }
  await refuse(iris, { ...irisMeta, feature_names: ['a', 'b', 'c'] }, /^Refused: input 'float_input' takes 4 features but metadata declares 3 \(a, b, c\)$/)
  await refuse(iris, { ...irisMeta, classes: ['a', 'b'] }, /gives 3 class probabilities but metadata declares 2 classes$/)
  await refuse(iris, { ...irisMeta, task: 'regression' }, /task 'regression' is not served/)
  await refuse(iris, { ...irisMeta, classes: 'setosa' }, /^Refused: metadata\.classes must be a non-empty array of strings$/)
  await refuse(iris, { ...irisMeta, input_name: 'nope' }, /^Refused: input 'nope' must be a float32 tensor/)
  const newOpset = SUPPORTED_OPSETS['ai.onnx'] + 1
  await refuse(edited((m) => { for (const o of m.opsetImport) if (o.domain === '') o.version = newOpset }), irisMeta, new RegExp(`^Refused: ONNX opset ai.onnx ${newOpset} is newer than onnxruntime supports \\(26\\)`))
  await refuse(edited((m) => { for (const o of m.opsetImport) if (o.domain === 'ai.onnx.ml') o.version = 6 }), irisMeta, /opset ai\.onnx\.ml 6 is newer than onnxruntime supports \(5\)/)
  // A graph whose operator is unknown: parses, but onnxruntime refuses to load it.
  await refuse(edited((m) => { m.graph!.node![0].opType = 'NoSuchOp' }), irisMeta, /^Refused: onnxruntime cannot load the model: /)
  await refuse(edited((m) => { m.graph!.node = [] }), irisMeta, /^Refused: the ONNX graph has no inputs, outputs or nodes$/)
})

t.test('a parsed protobuf that is not a model is 415', async (t) => {
  t.throws(() => inspectOnnx(onnx.ModelProto.encode({ producerName: 'x' }).finish()), { code: 'GW_MODEL_FORMAT_UNSUPPORTED', message: /no ir_version, graph or opset_import/ })
})

t.test('strict base64', async (t) => {
  t.same(decodeBase64Strict('f', Buffer.from('onnx').toString('base64')), Buffer.from('onnx'))
  t.same(decodeBase64Strict('f', Buffer.from([0xfb, 0xff]).toString('base64url')), Buffer.from([0xfb, 0xff]))
  t.throws(() => decodeBase64Strict('onnx_base64', 'not base64!'), { code: 'GW_MODEL_INVALID', statusCode: 422, message: 'Refused: onnx_base64 is not valid base64' })
  t.throws(() => decodeBase64Strict('onnx_base64', 'abcde'), { code: 'GW_MODEL_INVALID' })
})
