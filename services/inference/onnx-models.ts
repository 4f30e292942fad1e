// Finding, checking and opening ONNX model versions on disk. A version directory holds model.onnx,
// optionally metadata.json (written by our trainer) and metrics.json; a model directory may hold
// serving.json with per-model batching settings.
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type * as ort from 'onnxruntime-node'
import type { TensorData } from './batcher.js'
import type { InstanceSettings } from './instances.js'
import { openCheckedSession, type SessionLayout } from './model-format.js'

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

export interface ServingSettings extends InstanceSettings {
  batching?: boolean
  max_batch_size?: number
  max_queue_size?: number
  max_queue_delay_micros?: number
}

export interface ModelVersion extends SessionLayout {
  name: string
  version: string
  dir: string
  session: ort.InferenceSession
  metadata: ModelMetadata
  metrics: Record<string, unknown> | null
  sha256: string
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

/**
 * Opens one version through the model-format gate (ONNX only, fitting its metadata, answering a
 * probe batch); throws with the problem and the fix when the model cannot be served.
 */
export async function openModelVersion (dir: VersionDir, sessionOptions: ort.InferenceSession.SessionOptions): Promise<ModelVersion & { bytes: Uint8Array }> {
  const bytes = await readFile(join(dir.dir, 'model.onnx'))
  const digest = sha256(bytes)
  const metadata = (await readJson<ModelMetadata>(join(dir.dir, 'metadata.json'))) ?? {}
  if (metadata.sha256 !== undefined && metadata.sha256 !== digest) {
    throw new Error(`model.onnx sha256 ${digest} does not match metadata.json (${metadata.sha256}); the file was changed or corrupted`)
  }
  const metrics = await readJson<Record<string, unknown>>(join(dir.dir, 'metrics.json'))
  const { session, layout } = await openCheckedSession(bytes, metadata, sessionOptions)
  // The bytes go back too: worker instances open their own sessions from them.
  return { ...dir, session, metadata, metrics, sha256: digest, ...layout, bytes }
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
