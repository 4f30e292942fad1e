// A real MLflow tracking server (the `mlflow` package in the project venv) on a free port, with a
// SQLite backend store and served artifacts in a temp directory; stopped and removed at teardown.
// The server CLI starts uvicorn as a child, so it runs in its own process group and the group is killed.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../../bench/lib.js'
import { assertVenv, venvPython } from './python.js'

export interface MlflowServer {
  url: string
  /** The server's artifact root on disk (what --artifacts-destination points at). */
  artifacts: string
  stop: () => Promise<void>
  /** Starts it again on the same port with the same store (after stop). */
  restart: () => Promise<void>
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the whole server: connections are accepted, nothing answers. */
  freeze: () => void
  thaw: () => void
}

/** `owner.teardown` stops the server and removes its files (a tap Test, or the bench's own list). */
export async function startMlflow (owner: { teardown: (fn: () => Promise<void>) => void }): Promise<MlflowServer> {
  assertVenv()
  const dir = await mkdtemp(join(tmpdir(), 'gw-mlflow-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const artifacts = join(dir, 'artifacts')
  let child: ChildProcess | null = null
  let output = ''

  const launch = async () => {
    output = ''
    const proc = spawn(venvPython, ['-m', 'mlflow', 'server', '--backend-store-uri', `sqlite:///${join(dir, 'mlflow.db')}`,
      '--artifacts-destination', artifacts, '--host', '127.0.0.1', '--port', String(port), '--workers', '1'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No server-side job runner (7 huey workers): the registry needs none of MLflow's background jobs.
      env: { ...process.env, MLFLOW_ENABLE_TELEMETRY: 'false', DO_NOT_TRACK: 'true', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' }
    })
    child = proc
    const keep = (d: Buffer) => { output = (output + d.toString()).slice(-8000) }
    proc.stdout?.on('data', keep)
    proc.stderr?.on('data', keep)
    const deadline = Date.now() + 90_000
    while (true) {
      const ok = await fetch(`${url}/health`).then((r) => r.status === 200, () => false)
      if (ok) return
      if (proc.exitCode !== null) throw new Error(`mlflow server exited with ${proc.exitCode}:\n${output}`)
      if (Date.now() > deadline) throw new Error(`mlflow server not ready on ${url} in 90 s:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }

  const stop = async () => {
    const proc = child
    child = null
    if (proc === null || proc.exitCode !== null || proc.pid === undefined) return
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    try { process.kill(-proc.pid, 'SIGTERM') } catch {}
    const timer = setTimeout(() => { try { process.kill(-(proc.pid as number), 'SIGKILL') } catch {} }, 5000)
    await exited
    clearTimeout(timer)
    // uvicorn's worker may outlive the CLI for a moment: wait until the port is free.
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && await fetch(`${url}/health`).then(() => true, () => false)) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  await launch()
  owner.teardown(async () => {
    await stop()
    await rm(dir, { recursive: true, force: true })
  })
  const signal = (sig: NodeJS.Signals) => { if (child?.pid !== undefined) process.kill(-child.pid, sig) }
  return { url, artifacts, stop, restart: launch, freeze: () => signal('SIGSTOP'), thaw: () => signal('SIGCONT') }
}
