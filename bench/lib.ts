// Shared pieces of the benchmark harness: free ports, processes started and stopped by the bench,
// autocannon runs, and result rows. Every figure is reported next to a ceiling measured in the same run.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { projectRoot } from '../services/lib/project-root.js'

export const root = projectRoot

export interface BenchRow {
  scenario: string
  target: string
  connections: number
  requests_per_sec: number
  /** Rows (samples) per second, when a request carries several. */
  rows_per_sec?: number
  p50_ms: number
  p99_ms: number
  errors: number
  non_2xx: number
  /** requests_per_sec (or rows_per_sec) relative to the row named in `baseline`. */
  ratio?: number
  baseline?: string
  note?: string
}

export interface Proc {
  url: string
  port: number
  /** The process id (for /proc samples such as RSS). */
  pid: number
  /** CPU time (user + system, ms) the process has used so far, from /proc (Linux). */
  cpuMs: () => number
  stop: () => Promise<void>
}

/** utime + stime of a process in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function processCpuMs (pid: number | undefined): number {
  if (pid === undefined) return NaN
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** Starts a process and waits until `readyPath` on its port answers 2xx. */
export async function startProcess (cmd: string, args: string[], opts: { env?: Record<string, string>, port?: number, readyPath?: string, timeoutMs?: number } = {}): Promise<Proc> {
  const port = opts.port ?? await freePort()
  const child: ChildProcess = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000)
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited with ${child.exitCode}: ${stderr}`)
    try {
      const res = await fetch(url + (opts.readyPath ?? '/health/live'), { signal: AbortSignal.timeout(1000) })
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`${cmd} not ready on ${url}: ${stderr}`) }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return {
    url,
    port,
    pid: child.pid as number,
    cpuMs: () => processCpuMs(child.pid),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => { clearTimeout(timer); resolve() })
      child.kill('SIGTERM')
    })
  }
}

/** The gateway from its build (dist/), in its own process. Run `npm run build` first. */
export function startGateway (env: Record<string, string> = {}): Promise<Proc> {
  return startProcess(process.execPath, [join(root, 'dist', 'server.js')], { env: { LOG_LEVEL: 'warn', GRPC_PORT: '0', ...env } })
}

export interface CannonOptions {
  url: string
  method?: 'GET' | 'POST'
  body?: string | Buffer
  headers?: Record<string, string>
  connections: number
  durationSec: number
  /** Distinct requests cycled through (autocannon `requests`). */
  requests?: Array<{ method?: 'GET' | 'POST', path?: string, body?: string | Buffer, headers?: Record<string, string> }>
}

export async function cannon (opts: CannonOptions): Promise<autocannon.Result> {
  return autocannon({
    url: opts.url,
    method: opts.method ?? 'POST',
    body: opts.body,
    headers: { 'content-type': 'application/json', ...opts.headers },
    connections: opts.connections,
    duration: opts.durationSec,
    requests: opts.requests
  })
}

/** A short discarded run, so the measured one does not include the target's JIT warm-up. */
export async function warmUp (opts: Omit<CannonOptions, 'durationSec'>): Promise<void> {
  await cannon({ ...opts, durationSec: 1 })
}

export function toRow (scenario: string, target: string, connections: number, r: autocannon.Result, extra: Partial<BenchRow> = {}): BenchRow {
  return {
    scenario,
    target,
    connections,
    requests_per_sec: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non_2xx: r.non2xx,
    ...extra
  }
}

/**
 * A bench module: runs its scenarios (starting and stopping whatever it needs) and returns rows.
 * durationGiven: --duration was passed (a module with its own default length, such as soak, keeps it otherwise).
 */
export type BenchModule = (ctx: { durationSec: number, durationGiven?: boolean }) => Promise<BenchRow[]>
