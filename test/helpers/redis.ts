// A real redis-server (Debian package) on a free port, without persistence; stopped at teardown.
import { spawn, type ChildProcess } from 'node:child_process'
import { createConnection } from 'node:net'
import type { Test } from 'tap'
import { freePort } from '../../bench/lib.js'

export interface RedisServer {
  url: string
  port: number
  /** Kills the server (SIGKILL, as a crash would). */
  kill: () => Promise<void>
  /** Starts it again on the same port: empty, or with what it had acknowledged when started with persistDir. */
  restart: () => Promise<void>
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: connected, but silent. */
  freeze: () => void
  thaw: () => void
  /** Same as kill: the server is gone. */
  stop: () => Promise<void>
}

async function pingable (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host: '127.0.0.1' })
    sock.setTimeout(500)
    sock.once('connect', () => sock.write('PING\r\n'))
    sock.once('data', (d) => { sock.destroy(); resolve(d.toString().startsWith('+PONG')) })
    sock.once('error', () => resolve(false))
    sock.once('timeout', () => { sock.destroy(); resolve(false) })
  })
}

/**
 * `persistDir`: keep an append-only file there, fsynced on every write, so a killed and restarted
 * server comes back with every write it acknowledged (default: no persistence, restarts empty).
 */
export async function startRedis (t: Test, opts: { persistDir?: string } = {}): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | null = null
  const persistence = opts.persistDir === undefined
    ? ['--appendonly', 'no']
    : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', opts.persistDir]
  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    while (!(await pingable(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const kill = async () => {
    const c = child
    child = null
    if (c === null || c.exitCode !== null) return
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGKILL') })
  }
  await launch()
  t.teardown(kill)
  const signal = (sig: NodeJS.Signals) => () => { (child as ChildProcess | null)?.kill(sig) }
  t.teardown(signal('SIGCONT'))
  return { url: `redis://127.0.0.1:${port}`, port, kill, restart: launch, freeze: signal('SIGSTOP'), thaw: signal('SIGCONT'), stop: kill }
}

/** Polls `check` until it is true (for state that changes in the background, e.g. a reconnect). */
export async function until (check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}
