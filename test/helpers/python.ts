// The project-local Python virtualenv with the test peers (created by scripts/setup-test-env.sh).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { projectRoot } from '../../services/lib/project-root.js'

export const venvPython = join(projectRoot, '.venv', 'bin', 'python')
export const venvBin = (tool: string) => join(projectRoot, '.venv', 'bin', tool)

export function assertVenv (): void {
  if (!existsSync(venvPython)) throw new Error(`${venvPython} is missing: run "bash scripts/setup-test-env.sh" (npm test does it first)`)
}

/** Runs a Python script from the venv and parses the JSON it prints on stdout. */
export async function runPythonJson<T = unknown> (script: string, args: string[] = [], opts: { timeoutMs?: number, input?: string } = {}): Promise<T> {
  assertVenv()
  const run = promisify(execFile)(venvPython, [script, ...args], { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024, cwd: projectRoot })
  // `input` goes to the script's stdin (closed at once otherwise, so a script reading it never waits).
  run.child.stdin?.end(opts.input ?? '')
  const { stdout } = await run
  return JSON.parse(stdout) as T
}

/** Starts a long-running venv process; resolves once `ready()` is true; kill it with the returned stop(). */
export async function startPython (args: string[], ready: () => Promise<boolean>, opts: { env?: Record<string, string>, timeoutMs?: number } = {}) {
  assertVenv()
  const child: ChildProcess = spawn(venvPython, args, { cwd: projectRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (d: Buffer) => { output = (output + d.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000)
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null) throw new Error(`python ${args.join(' ')} exited with ${child.exitCode}:\n${output}`)
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`python ${args.join(' ')} not ready in time:\n${output}`) }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return {
    child,
    output: () => output,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.kill('SIGTERM')
    })
  }
}
