// The real Ollama for tests: the binary and models prepared by scripts/ollama-setup.sh (npm test's
// pretest runs it), served on a free 127.0.0.1 port in its own process group, killed at teardown.
// A missing set-up is an error, never a skip. Start one per test file at most: each loads models.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../../bench/lib.js'
import { projectRoot } from '../../services/lib/project-root.js'

export interface OllamaSetup {
  version: string
  /** The ollama executable. */
  bin: string
  /** OLLAMA_MODELS of `npm run ollama:start` (num_thread = threads). */
  models: string
  threads: number
  /** OLLAMA_MODELS of the tests: the same models with num_thread = testThreads (1). */
  testModels: string
  testThreads: number
  /** `smollm2` (SmolLM2-135M-Instruct Q4_1). */
  generateModel: string
  /** `all-minilm` (all-MiniLM-L6-v2, 384 dimensions). */
  embedModel: string
  /** The same encoder as ONNX + tokenizer.json, for EMBED_ONNX_DIR. */
  embedOnnxDir: string
}

const setupFile = join(projectRoot, '.cache', 'ollama', 'setup.json')

export function readOllamaSetup (): OllamaSetup {
  const hint = 'run "npm run ollama:setup" (npm test\'s pretest runs it)'
  if (!existsSync(setupFile)) throw new Error(`${setupFile} is missing: ${hint}`)
  const setup = JSON.parse(readFileSync(setupFile, 'utf8')) as OllamaSetup
  for (const path of [setup.bin, setup.testModels, setup.embedOnnxDir]) {
    if (!existsSync(path)) throw new Error(`${path} (from ${setupFile}) is missing: ${hint}`)
  }
  return setup
}

export interface RealOllama {
  url: string
  setup: OllamaSetup
  /** The server's recent log lines (for failure messages). */
  log: () => string
  stop: () => Promise<void>
}

/** Who stops the server: a tap Test, or a bench collecting its clean-ups. */
export interface Owner { teardown: (fn: () => Promise<void>) => void }

/** `port`: a port chosen beforehand (a test that points the gateway at Ollama before it is up). */
export async function startRealOllama (t: Owner, opts: { timeoutMs?: number, port?: number } = {}): Promise<RealOllama> {
  const setup = readOllamaSetup()
  const port = opts.port ?? await freePort()
  const url = `http://127.0.0.1:${port}`
  // Only our settings: a developer's own OLLAMA_* variables must not leak into the test server.
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith('OLLAMA_') && v !== undefined)) as Record<string, string>
  Object.assign(env, {
    OLLAMA_HOST: `127.0.0.1:${port}`,
    // The models with num_thread 1 (see scripts/ollama-setup.sh, step 4).
    OLLAMA_MODELS: setup.testModels,
    // Two cores: one request at a time (the rest queue), both models resident for the whole file.
    OLLAMA_NUM_PARALLEL: '1',
    OLLAMA_MAX_LOADED_MODELS: '2',
    OLLAMA_KEEP_ALIVE: '-1',
    // Worktrees share .cache: never delete blobs another server may be using.
    OLLAMA_NOPRUNE: '1',
    OLLAMA_NO_CLOUD: '1'
  })
  // setpriv's parent-death signal stops the server even when this process is killed without its
  // teardown (tap kills a test file that overruns its timeout); detached: a group of its own.
  const child = spawn('setpriv', ['--pdeathsig', 'TERM', '--', setup.bin, 'serve'], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
  let output = ''
  child.stderr?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-8000) })
  child.once('error', (err) => { output += `\n${err.message}` }) // e.g. no setpriv: the start fails below
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))

  // The whole group: `ollama serve` and the model runners it started.
  const signal = (sig: NodeJS.Signals) => { try { process.kill(-(child.pid as number), sig) } catch {} }
  const onExit = () => signal('SIGKILL')
  process.once('exit', onExit)
  const stop = async () => {
    process.off('exit', onExit)
    if (child.pid === undefined) return // never started
    if (child.exitCode !== null || child.signalCode !== null) { signal('SIGKILL'); return }
    signal('SIGTERM')
    const timer = setTimeout(() => signal('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
    signal('SIGKILL') // runners that outlived their server
  }
  t.teardown(stop)

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  for (;;) {
    const up = await fetch(`${url}/api/version`).then((r) => r.ok, () => false)
    if (up) break
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`ollama serve exited (${child.exitCode ?? 'not started'}):\n${output}`)
    if (Date.now() > deadline) { await stop(); throw new Error(`ollama serve did not answer on ${url} in time:\n${output}`) }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url, setup, log: () => output, stop }
}

/** POSTs JSON to Ollama and returns the parsed answer (a non-2xx status throws with Ollama's body). */
export async function ollamaJson<T = any> (url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text}`)
  return JSON.parse(text) as T
}

/** Loads both models once so the first test does not pay (and time) the load. */
export async function warmUp (ollama: RealOllama): Promise<void> {
  await ollamaJson(ollama.url, '/api/generate', { model: ollama.setup.generateModel, prompt: '' })
  await ollamaJson(ollama.url, '/api/embed', { model: ollama.setup.embedModel, input: 'warm up' })
}
