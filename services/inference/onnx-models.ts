// Finding, checking and opening ONNX model versions on disk. A version directory holds model.onnx,
// optionally metadata.json (written by our trainer) and metrics.json; a model directory may hold
// serving.json with per-model batching settings.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import type { TensorData } from './batcher.js'

export interface ModelMetadata {
  algorithm?: string
  model_type?: string
  params?: Record<string, unknown>
  classes?: string[]
  feature_names?: string[]
  input_name?: string
  output_names?: { label?: string, probabilities?: string }
  opset?: Record<string, number>
  sha256?: string
  feature_ranges?: Record<string, { min: number, max: number }>
  /** Values a model accepts per feature (a 400 outside them): plausibility, not the training range. */
  feature_bounds?: Record<string, { min?: number, max?: number, unit?: string }>
  feature_importances?: number[] | null
  [key: string]: unknown
}

export interface ServingSettings {
  batching?: boolean
  max_batch_size?: number
  max_queue_size?: number
  max_queue_delay_micros?: number
}

export interface ModelVersion {
  name: string
  version: string
  dir: string
  session: ort.InferenceSession
  metadata: ModelMetadata
  metrics: Record<string, unknown> | null
  sha256: string
  inputName: string
  numFeatures: number
  classes: string[]
  featureNames: string[]
  probabilityOutput: string
  labelOutput: string | null
  labelType: string | null
}

export interface VersionDir { name: string, version: string, dir: string }

/** Model version directories under `root`: `<root>/<name>/<version>/model.onnx`, numeric versions. */
export async function discoverModels (root: string, skip: string[] = ['registry']): Promise<VersionDir[]> {
  const found: VersionDir[] = []
  for (const name of await readdirOrEmpty(root)) {
    if (skip.includes(name)) continue
    for (const version of await readdirOrEmpty(join(root, name))) {
      if (!/^\d+$/.test(version)) continue
      const files = await readdirOrEmpty(join(root, name, version))
      if (files.includes('model.onnx')) found.push({ name, version, dir: join(root, name, version) })
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name) || Number(a.version) - Number(b.version))
}

export async function readServingSettings (modelDir: string): Promise<ServingSettings> {
  return (await readJson<ServingSettings>(join(modelDir, 'serving.json'))) ?? {}
}

export function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Opens one version; throws with the problem and the fix when the model cannot be served. */
export async function openModelVersion (dir: VersionDir, sessionOptions: ort.InferenceSession.SessionOptions): Promise<ModelVersion> {
  const bytes = await readFile(join(dir.dir, 'model.onnx'))
  const digest = sha256(bytes)
  const metadata = (await readJson<ModelMetadata>(join(dir.dir, 'metadata.json'))) ?? {}
  if (metadata.sha256 !== undefined && metadata.sha256 !== digest) {
    throw new Error(`model.onnx sha256 ${digest} does not match metadata.json (${metadata.sha256}); the file was changed or corrupted`)
  }
  const metrics = await readJson<Record<string, unknown>>(join(dir.dir, 'metrics.json'))
  const session = await ort.InferenceSession.create(bytes, sessionOptions)
  try {
    return { ...dir, session, metadata, metrics, sha256: digest, ...describeSession(session, metadata) }
  } catch (err) {
    await session.release()
    throw err
  }

  function describeSession (s: ort.InferenceSession, meta: ModelMetadata) {
    const input = s.inputMetadata.find((m) => m.name === (meta.input_name ?? s.inputNames[0]))
    if (input === undefined || !input.isTensor || input.type !== 'float32' || input.shape.length !== 2) {
      throw new Error(`input '${input?.name}' must be a float32 tensor of shape [batch, features]`)
    }
    const numFeatures = Number(input.shape[1])
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new Error(`input '${input.name}' has no fixed feature count (shape ${JSON.stringify(input.shape)})`)
    const outputs = s.outputMetadata
    const probability = outputs.find((m) => m.name === meta.output_names?.probabilities) ??
      outputs.find((m) => m.isTensor && m.type === 'float32' && m.shape.length === 2)
    if (probability === undefined || !probability.isTensor) {
      const zipmap = outputs.find((m) => !m.isTensor)
      throw new Error(zipmap !== undefined
        ? `output '${zipmap.name}' is a sequence of maps (scikit-learn's ZipMap), not a tensor; re-export with skl2onnx options {'zipmap': False} so probabilities are a [batch, classes] float tensor`
        : 'no float32 [batch, classes] probability output')
    }
    const label = outputs.find((m) => m.name === meta.output_names?.label) ??
      outputs.find((m) => m.isTensor && m.name !== probability.name && m.shape.length === 1)
    const numClasses = Number(probability.shape[1])
    const classes = meta.classes ?? (Number.isInteger(numClasses) ? Array.from({ length: numClasses }, (_, i) => String(i)) : [])
    return {
      inputName: input.name,
      numFeatures,
      classes,
      featureNames: meta.feature_names ?? Array.from({ length: numFeatures }, (_, i) => `f${i}`),
      probabilityOutput: probability.name,
      labelOutput: label?.name ?? null,
      labelType: label?.isTensor === true ? label.type : null
    }
  }
}

/** Argmax of each row of a [rows, k] probability matrix. */
export function argmaxRows (probabilities: TensorData, rows: number): number[] {
  const k = probabilities.length / rows
  const out = new Array<number>(rows)
  for (let r = 0; r < rows; r++) {
    let best = 0
    for (let c = 1; c < k; c++) if (Number(probabilities[r * k + c]) > Number(probabilities[r * k + best])) best = c
    out[r] = best
  }
  return out
}

async function readdirOrEmpty (dir: string): Promise<string[]> {
  try {
    return await readdir(dir)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

async function readJson<T> (file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err })
  }
}
