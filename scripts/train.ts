// Trains an Iris model and writes it as a new version directory under the models directory.
//   npm run train -- --algo forest|mlp [--seed 42] [--name iris] [--models-dir models] [--version N]
//     forest: [--n-estimators 50] [--max-depth 5]    mlp: [--hidden 8] [--epochs 300] [--batch-size 16] [--learning-rate 0.01]
// Training `iris` also refreshes the Triton copy: triton_model_repository/iris_onnx/1/model.onnx.
import { copyFile, mkdir, readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot } from '../services/lib/project-root.js'
import { trainModel, writeModelVersion, type TrainOptions } from '../services/training/train.js'

const options = {
  algo: { type: 'string', default: 'forest' },
  seed: { type: 'string', default: '42' },
  name: { type: 'string' },
  'models-dir': { type: 'string' },
  version: { type: 'string' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  'learning-rate': { type: 'string' },
  hidden: { type: 'string' },
  'n-estimators': { type: 'string' },
  'max-depth': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const

function fail (message: string): never {
  console.error(`train: ${message}`)
  process.exit(2)
}

function integer (flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (!/^-?\d+$/.test(raw)) fail(`--${flag} must be an integer, got '${raw}'`)
  return Number(raw)
}

function number (flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(n)) fail(`--${flag} must be a number, got '${raw}'`)
  return n
}

/** Drops the flags that were not given, so the trainer's defaults apply. */
const given = <T extends object>(params: T): Partial<T> =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Partial<T>

async function nextVersion (modelDir: string): Promise<string> {
  const entries = await readdir(modelDir).catch(() => [] as string[])
  const versions = entries.filter((e) => /^\d+$/.test(e)).map(Number)
  return String(versions.length === 0 ? 1 : Math.max(...versions) + 1)
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options, strict: true, allowPositionals: false })
  if (values.help === true) {
    console.log('usage: npm run train -- [--algo forest|mlp] [--seed N] [--name NAME] [--models-dir DIR] [--version N] [hyperparameter flags]')
    return
  }
  const algo = values.algo
  if (algo !== 'forest' && algo !== 'mlp') fail(`--algo must be 'forest' or 'mlp', got '${algo}'`)
  const seed = integer('seed', values.seed)!
  const opts: TrainOptions = algo === 'forest'
    ? { algo, seed, params: given({ nEstimators: integer('n-estimators', values['n-estimators']), maxDepth: integer('max-depth', values['max-depth']) }) }
    : {
        algo,
        seed,
        params: given({
          hiddenUnits: integer('hidden', values.hidden),
          epochs: integer('epochs', values.epochs),
          batchSize: integer('batch-size', values['batch-size']),
          learningRate: number('learning-rate', values['learning-rate'])
        })
      }
  const name = values.name ?? (algo === 'forest' ? 'iris' : 'iris_mlp')
  if (!/^[A-Za-z0-9_-]+$/.test(name)) fail(`--name must be letters, digits, '_' or '-', got '${name}'`)
  const modelsDir = resolve(values['models-dir'] ?? join(projectRoot, 'models'))
  const version = values.version === undefined ? await nextVersion(join(modelsDir, name)) : String(integer('version', values.version))
  if (!/^\d+$/.test(version)) fail(`--version must be a non-negative integer, got '${version}'`)

  const result = trainModel(opts)
  const dir = join(modelsDir, name, version)
  await writeModelVersion(dir, result)
  console.log(`${result.metadata.model_type} seed ${seed}: held-out accuracy ${result.metrics.accuracy.toFixed(4)} (${result.metrics.n_test} test rows, ${result.metrics.n_train} train rows)`)
  console.log(`wrote ${dir}`)
  if (name === 'iris') {
    const tritonDir = join(projectRoot, 'triton_model_repository', 'iris_onnx', '1')
    await mkdir(tritonDir, { recursive: true })
    await copyFile(join(dir, 'model.onnx'), join(tritonDir, 'model.onnx'))
    console.log(`copied model.onnx to ${tritonDir}`)
  }
}

main().catch((err: Error) => fail(err.message))
