// MLServer (PyPI mlserver + mlserver-sklearn, in its own virtualenv .venv-mlserver made by
// scripts/setup-test-env.sh) serving the gateway's Iris model as a scikit-learn model: the same trees
// as models/iris/1/model.onnx (test/python/mlserver_model.py). A peer for the differential tests and
// the protocols bench; never used by the gateway. Not a bench module (run.ts skips "server" names).
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, root } from './lib.js'

export const mlserverVenv = join(root, '.venv-mlserver')
const script = join(root, 'test', 'python', 'mlserver_model.py')

export interface MlserverModel {
  /** The 150 Iris rows, scikit-learn's predict_proba and predict on them, its version. */
  rows: number[][]
  predict_proba: number[][]
  predict: number[]
  sklearn: string
}

function assertInstalled (): void {
  if (!existsSync(join(mlserverVenv, 'bin', 'mlserver'))) throw new Error(`${mlserverVenv}/bin/mlserver is missing: run "bash scripts/setup-test-env.sh" (npm test does it first)`)
}

/** Writes `<dir>/<name>/model.joblib` + model-settings.json from models/iris/1/model.onnx. */
export async function prepareMlserverModel (dir: string, name = 'iris_onnx'): Promise<MlserverModel> {
  assertInstalled()
  const run = promisify(execFile)
  const { stdout: trees } = await run(join(root, '.venv', 'bin', 'python'), [script, 'trees', join(root, 'models', 'iris', '1', 'model.onnx')], { timeout: 120_000, maxBuffer: 16 << 20 })
  const build = run(join(mlserverVenv, 'bin', 'python'), [script, 'build', dir, name], { timeout: 120_000, maxBuffer: 16 << 20 })
  build.child.stdin?.end(trees)
  return JSON.parse((await build).stdout) as MlserverModel
}

/** `mlserver start <dir>` on free HTTP / gRPC / metrics ports; resolves once `model` is ready. */
export async function startMlserver (dir: string, model = 'iris_onnx', opts: { timeoutMs?: number } = {}) {
  assertInstalled()
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()]
  // Its own process group, so stop() also ends the inference-pool workers it forks.
  const child: ChildProcess = spawn(join(mlserverVenv, 'bin', 'mlserver'), ['start', dir], {
    cwd: dir,
    detached: true,
    env: { ...process.env, MLSERVER_HTTP_PORT: String(http), MLSERVER_GRPC_PORT: String(grpc), MLSERVER_METRICS_PORT: String(metrics), MLSERVER_HOST: '127.0.0.1', MLSERVER_LOGGING_LEVEL: 'WARNING' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const keep = (d: Buffer) => { output = (output + d.toString()).slice(-8000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const httpUrl = `http://127.0.0.1:${http}`
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = (signal: NodeJS.Signals) => { try { process.kill(-child.pid!, signal) } catch {} }
    const timer = setTimeout(() => kill('SIGKILL'), 10_000)
    child.once('exit', () => { clearTimeout(timer); kill('SIGKILL'); resolve() })
    kill('SIGTERM')
  })
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000)
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlserver start exited with ${child.exitCode}:\n${output}`)
    const ready = await fetch(`${httpUrl}/v2/models/${model}/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false)
    if (ready) break
    if (Date.now() > deadline) { await stop(); throw new Error(`mlserver not ready in time:\n${output}`) }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { httpUrl, grpcUrl: `127.0.0.1:${grpc}`, output: () => output, stop }
}
