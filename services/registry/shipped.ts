// The registry the project ships (models/registry/iris): the two committed Iris models (the
// seed's random forest, models/iris/1, and the MLP, models/iris_mlp/1) as versions 1 and 2 of
// `iris`, and the `production` alias on the one that scores better on the held-out split.
// Everything is derived from the committed artifacts, with no clock or randomness, so
// `npm run registry:ship` rewrites byte-identical files and a test can tell when they are stale.
// Accuracy is measured here by running each model.onnx with onnxruntime on the split its trainer
// held out (the seed in metadata.json), and must equal what the trainer recorded in metrics.json.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { CLASS_NAMES, createRng, loadIris, stratifiedSplit } from '../training/iris.js'
import { accuracy, argmax } from '../training/metrics.js'
import type { AliasChange, RegistryVersion } from './types.js'

export const SHIPPED_MODEL = 'iris'
export const SHIPPED_ALIAS = 'production'
/** Registry version number -> the committed model directory it is built from (under MODELS_DIR). */
export const SHIPPED_SOURCES = [{ version: '1', dir: 'iris/1' }, { version: '2', dir: 'iris_mlp/1' }] as const

interface SourceMetadata {
  algorithm: string
  model_type: string
  seed: number
  train_time: string
  input_name: string
  output_names: { probabilities: string }
  params: Record<string, unknown>
  sha256: string
  [key: string]: unknown
}

export interface ShippedVersion { version: string, source: string, accuracy: number, n_test: number, n_train: number, algorithm: string }
export interface ShippedRegistry {
  /** Path relative to the registry root -> file contents. */
  files: Map<string, Uint8Array | string>
  versions: ShippedVersion[]
  production: string
}

const json = (value: unknown) => JSON.stringify(value, null, 2) + '\n'

/** Held-out accuracy of an ONNX Iris model, run exactly as the gateway runs it. */
export async function heldOutAccuracy (onnx: Uint8Array, meta: SourceMetadata): Promise<{ accuracy: number, n_test: number }> {
  const { test } = stratifiedSplit(loadIris(), createRng(meta.seed))
  const session = await ort.InferenceSession.create(onnx)
  try {
    const input = new ort.Tensor('float32', Float32Array.from(test.X.flat()), [test.X.length, test.X[0].length])
    const out = await session.run({ [meta.input_name]: input })
    const probs = out[meta.output_names.probabilities].data as Float32Array
    const predicted = test.y.map((_, i) => argmax(probs.subarray(i * CLASS_NAMES.length, (i + 1) * CLASS_NAMES.length)))
    return { accuracy: accuracy(test.y, predicted), n_test: test.y.length }
  } finally {
    await session.release()
  }
}

export async function buildShippedRegistry (modelsDir: string): Promise<ShippedRegistry> {
  const files = new Map<string, Uint8Array | string>()
  const versions: ShippedVersion[] = []
  const createdAt: string[] = []
  for (const { version, dir } of SHIPPED_SOURCES) {
    const from = join(modelsDir, dir)
    const onnx = new Uint8Array(await readFile(join(from, 'model.onnx')))
    const meta = JSON.parse(await readFile(join(from, 'metadata.json'), 'utf8')) as SourceMetadata
    const recorded = JSON.parse(await readFile(join(from, 'metrics.json'), 'utf8')) as { accuracy: number, n_train: number, n_test: number }
    const sha256 = createHash('sha256').update(onnx).digest('hex')
    if (sha256 !== meta.sha256) throw new Error(`${from}: model.onnx sha256 ${sha256} is not the ${meta.sha256} metadata.json records`)
    const measured = await heldOutAccuracy(onnx, meta)
    if (measured.accuracy !== recorded.accuracy || measured.n_test !== recorded.n_test) {
      throw new Error(`${from}: measured held-out accuracy ${measured.accuracy} on ${measured.n_test} rows, metrics.json says ${recorded.accuracy} on ${recorded.n_test}`)
    }
    const metrics = { accuracy: measured.accuracy, n_test: measured.n_test, n_train: recorded.n_train }
    const file: Omit<RegistryVersion, 'aliases'> = {
      name: SHIPPED_MODEL,
      version,
      created_at: meta.train_time,
      sha256,
      stage: 'None',
      source: `models/${dir}`,
      metrics,
      params: meta.params,
      tags: { algorithm: meta.algorithm, model_type: meta.model_type, seed: String(meta.seed), trainer: 'npm run train', split: 'stratified 80/20 of Iris, held-out 20 % scored' }
    }
    files.set(`${SHIPPED_MODEL}/${version}/model.onnx`, onnx)
    files.set(`${SHIPPED_MODEL}/${version}/metadata.json`, json(meta))
    files.set(`${SHIPPED_MODEL}/${version}/metrics.json`, json(metrics))
    files.set(`${SHIPPED_MODEL}/${version}/version.json`, json(file))
    versions.push({ version, source: file.source, algorithm: meta.algorithm, ...metrics })
    createdAt.push(meta.train_time)
  }
  // The better held-out accuracy wins; a tie keeps the earlier version (the seed's forest).
  const best = versions.reduce((a, b) => (b.accuracy > a.accuracy ? b : a))
  const change: AliasChange = { at: createdAt.sort()[createdAt.length - 1], model: SHIPPED_MODEL, alias: SHIPPED_ALIAS, from: null, to: best.version }
  files.set(`${SHIPPED_MODEL}/aliases.json`, json({ [SHIPPED_ALIAS]: best.version }))
  files.set(`${SHIPPED_MODEL}/alias-history.jsonl`, JSON.stringify(change) + '\n')
  return { files, versions, production: best.version }
}
