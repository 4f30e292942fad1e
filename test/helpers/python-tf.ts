// The TensorFlow virtualenv (.venv-tf, created by scripts/setup-test-env.sh from
// test/python/requirements-tf.txt), kept apart from .venv because of TensorFlow's numpy/protobuf pins.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { projectRoot } from '../../services/lib/project-root.js'

export const tfPython = join(projectRoot, '.venv-tf', 'bin', 'python')
export const tfBin = (tool: string) => join(projectRoot, '.venv-tf', 'bin', tool)

export function assertTfVenv (): void {
  if (!existsSync(tfPython)) throw new Error(`${tfPython} is missing: run "bash scripts/setup-test-env.sh" (npm test does it first)`)
}

/** Runs a program of the TensorFlow virtualenv; TensorFlow's start-up is slow on a loaded machine, hence the long default. */
export async function runTf (file: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<{ stdout: string, stderr: string }> {
  assertTfVenv()
  return await promisify(execFile)(file, args, {
    cwd: projectRoot,
    timeout: opts.timeoutMs ?? 240_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' }
  })
}
