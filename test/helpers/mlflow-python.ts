// The official MLflow Python client (test/python/mlflow_interop.py) in one long-lived process of the
// project venv: one command per stdin line, one JSON answer per stdout line, so a test step costs the
// client call, not a Python start-up with mlflow, scikit-learn and skl2onnx imports.
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { projectRoot } from '../../services/lib/project-root.js'
import { assertVenv, venvPython } from './python.js'

/** Sends `args` (plus --tracking and `extra`) to the client; rejects with its error and stderr. `owner.teardown` ends it. */
export function mlflowPythonClient (owner: { teardown: (fn: () => Promise<void>) => void }, tracking: string, extra: string[] = []) {
  assertVenv()
  const child = spawn(venvPython, ['test/python/mlflow_interop.py', 'serve'], { cwd: projectRoot, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const waiting: Array<{ resolve: (line: string) => void, reject: (err: Error) => void }> = []
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line))
  child.on('exit', (code) => { for (const w of waiting.splice(0)) w.reject(new Error(`mlflow_interop.py exited with ${code}:\n${stderr}`)) })
  owner.teardown(() => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.stdin.end()
  }))
  return async <T>(args: string[]): Promise<T> => {
    const line = await new Promise<string>((resolve, reject) => {
      waiting.push({ resolve, reject })
      child.stdin.write(JSON.stringify([...args, '--tracking', tracking, ...extra]) + '\n')
    })
    const answer = JSON.parse(line) as T & { error?: string }
    if (answer.error !== undefined) throw new Error(`${answer.error}\n${stderr}`)
    return answer
  }
}
