// The real shutdown path: server.ts (close-with-grace) on SIGTERM closes the app, and the
// prediction log's onClose writes what the buffer still holds before the process exits.
import { spawn } from 'node:child_process'
import { readFile, readdir } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { irisRows } from '../helpers/drift.js'

const freePort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as { port: number }; srv.close(() => resolve(port)) })
})

t.test('SIGTERM right after the answers: every record is on disk when the process has exited', async (t) => {
  const dataDir = t.testdir({})
  const port = await freePort()
  // A long flush period makes it likely the records are still buffered when the signal arrives.
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'server.ts')], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, PREDICTION_LOG_FLUSH_MS: '200', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const base = `http://127.0.0.1:${port}`
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`)
    const up = await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false)
    if (up) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const rows = irisRows().slice(0, 20)
  const res = await fetch(`${base}/api/v1/classify/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: rows }), signal: AbortSignal.timeout(10_000) })
  t.equal(res.status, 200)
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'clean exit')
  const files = await readdir(join(dataDir, 'predictions', 'iris'))
  const lines = (await readFile(join(dataDir, 'predictions', 'iris', files[0]), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
  t.equal(lines.length, 20)
  t.same(lines.map((l) => l.features), rows)
})
