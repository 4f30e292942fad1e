// A real redis-server (Debian package, installed by scripts/setup-test-env.sh) on a free port,
// without persistence, stopped at teardown. A missing binary fails the test, it is not skipped.
import { spawn } from 'node:child_process'
import { createServer, connect } from 'node:net'
import type { Test } from 'tap'

async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

function ping (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.setTimeout(500)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (d) => { socket.destroy(); resolve(d.toString().startsWith('+PONG')) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
}

export async function startRedis (t: Test): Promise<{ url: string, port: number, stop: () => Promise<void> }> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000) })
  child.stderr?.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-4000) })
  const spawnError = new Promise<never>((_resolve, reject) => child.once('error', (err) => reject(new Error(`cannot start redis-server (run scripts/setup-test-env.sh): ${err.message}`))))
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
  t.teardown(stop)
  const deadline = Date.now() + 20_000
  while (!(await Promise.race([ping(port), spawnError]))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${output}`)
    if (Date.now() > deadline) throw new Error(`redis-server not ready on port ${port}: ${output}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop }
}
