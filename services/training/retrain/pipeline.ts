// Retraining with an accuracy gate (seed 002): train a candidate, score it and the current
// production version on the same fixed holdout, register the candidate with its metrics, and move
// the `production` alias only if the candidate reaches gate.min_accuracy_percent and is not worse
// than production. Every decision is appended to notifications.log; the run's log replaces
// last_train_log.txt.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { BadRequestError } from '../../lib/errors.js'
import type { RegistryBackend, RegistryVersion } from '../../registry/types.js'
import { INPUT_NAME, OUTPUT_NAMES } from '../onnx-export.js'
import {
  HOLDOUT_SEED, SAMPLES, accuracy, exportLogistic, metadataFor, syntheticData, trainLogistic, type Data, type TrainParams
} from './simple-classifier.js'

export interface RetrainConfig { model_name: string, gate: { min_accuracy_percent: number }, train: TrainParams }
export interface Decision {
  decision: 'promoted' | 'rejected'
  model: string
  version: string
  accuracy_percent: number
  production: { version: string, accuracy_percent: number } | null
  min_accuracy_percent: number
  reasons: string[]
  at: string
}

const DEFAULTS: RetrainConfig = { model_name: 'simple_classifier', gate: { min_accuracy_percent: 97 }, train: { epochs: 20, batch_size: 32, learning_rate: 0.1, seed: 42 } }

export async function readRetrainConfig (file: string): Promise<RetrainConfig> {
  let raw: Partial<RetrainConfig> = {}
  try { raw = JSON.parse(await readFile(file, 'utf8')) } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new BadRequestError(`${file}: ${(err as Error).message}`)
  }
  return { model_name: raw.model_name ?? DEFAULTS.model_name, gate: { ...DEFAULTS.gate, ...raw.gate }, train: { ...DEFAULTS.train, ...raw.train } }
}

/** Scores an ONNX model on the holdout with onnxruntime, exactly as it would be served. */
async function scoreOnnx (bytes: Uint8Array, holdout: Data): Promise<number> {
  const session = await ort.InferenceSession.create(bytes)
  try {
    const input = new ort.Tensor('float32', Float32Array.from(holdout.X.flat()), [holdout.X.length, 2])
    const out = await session.run({ [INPUT_NAME]: input })
    return accuracy(out[OUTPUT_NAMES.probabilities].data as Float32Array, holdout.y)
  } finally {
    await session.release()
  }
}

const pct = (x: number) => Math.round(x * 10000) / 100

export async function runRetrain (deps: {
  registry: RegistryBackend
  config: RetrainConfig
  notificationsLog: string
  trainLog: string
}): Promise<Decision> {
  const { registry, config } = deps
  const lines: string[] = []
  const log = (l: string) => lines.push(`${new Date().toISOString()} ${l}`)
  const name = config.model_name
  const p = config.train
  if (!(p.epochs >= 0 && p.batch_size >= 1 && p.learning_rate >= 0 && Number.isInteger(p.seed))) {
    throw new BadRequestError('train params: epochs >= 0, batch_size >= 1, learning_rate >= 0, integer seed')
  }
  log(`retrain ${name} params=${JSON.stringify(p)} gate.min_accuracy_percent=${config.gate.min_accuracy_percent}`)
  const train = syntheticData(SAMPLES, p.seed)
  const holdout = syntheticData(200, HOLDOUT_SEED)
  const model = trainLogistic(train, p, log)
  const bytes = exportLogistic(model)
  const acc = pct(await scoreOnnx(bytes, holdout))
  log(`candidate holdout accuracy=${acc}% w=[${model.w.map((w) => w.toFixed(4)).join(', ')}] b=${model.b.toFixed(4)}`)

  let production: Decision['production'] = null
  try {
    const prodVersion = await registry.getAlias(name, 'production')
    const dir = await registry.fetchArtifact(name, prodVersion)
    production = { version: prodVersion, accuracy_percent: pct(await scoreOnnx(await readFile(join(dir, 'model.onnx')), holdout)) }
    log(`production v${prodVersion} holdout accuracy=${production.accuracy_percent}%`)
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err
    log('no production version yet')
  }

  const reasons: string[] = []
  if (acc < config.gate.min_accuracy_percent) reasons.push(`accuracy ${acc}% < gate ${config.gate.min_accuracy_percent}%`)
  if (production !== null && acc < production.accuracy_percent) reasons.push(`accuracy ${acc}% < production v${production.version} ${production.accuracy_percent}%`)
  const passed = reasons.length === 0
  if (passed) reasons.push(`accuracy ${acc}% >= gate ${config.gate.min_accuracy_percent}%` + (production === null ? '' : ` and >= production v${production.version} ${production.accuracy_percent}%`))

  const registered: RegistryVersion = await registry.createVersion(name, {
    onnx: bytes,
    metadata: metadataFor(p),
    metrics: { accuracy_percent: acc, holdout_size: holdout.y.length, train_size: train.y.length },
    params: { ...p },
    tags: { gate: passed ? 'passed' : 'rejected', trainer: 'services/retrain' },
    source: 'retrain'
  })
  if (passed) await registry.setAlias(name, 'production', registered.version)
  const decision: Decision = {
    decision: passed ? 'promoted' : 'rejected',
    model: name,
    version: registered.version,
    accuracy_percent: acc,
    production,
    min_accuracy_percent: config.gate.min_accuracy_percent,
    reasons,
    at: new Date().toISOString()
  }
  log(`${passed ? 'PROMOTED' : 'REJECTED'} ${name} v${registered.version}: ${reasons.join('; ')}`)
  await mkdir(dirname(deps.notificationsLog), { recursive: true })
  await mkdir(dirname(deps.trainLog), { recursive: true })
  await appendFile(deps.notificationsLog, `${decision.at} ${passed ? 'PROMOTED' : 'REJECTED'} model=${name} version=${registered.version} accuracy=${acc}% ` +
    `production=${production === null ? 'none' : `v${production.version}:${production.accuracy_percent}%`} reasons="${reasons.join('; ')}"\n`)
  await writeFile(deps.trainLog, lines.join('\n') + '\n')
  return decision
}
