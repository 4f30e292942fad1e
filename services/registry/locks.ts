import { mkdir, rm, stat } from 'node:fs/promises'
import { RegistryBusyError } from '../lib/errors.js'

/** Per-key write queue: `run(key, fn)` starts `fn` after every earlier run of the same key has settled. */
export function createKeyedQueue () {
  const queues = new Map<string, Promise<unknown>>()
  return function run<T> (key: string, fn: () => Promise<T>): Promise<T> {
    const next = (queues.get(key) ?? Promise.resolve()).then(fn, fn)
    const settled = next.catch(() => {})
    queues.set(key, settled)
    // Forget the key once nothing is queued behind this run, so the map does not grow per model forever.
    void settled.then(() => { if (queues.get(key) === settled) queues.delete(key) })
    return next
  }
}

export interface DirLockOptions { staleMs?: number, waitMs?: number }

/**
 * Cross-process lock: `mkdir` of `lockDir` is atomic, so one writer (a gateway, the CLI, a retrain run)
 * holds it at a time. A lock older than `staleMs` was left by a crashed writer and is broken. Waiting
 * longer than `waitMs` fails with 503 GW_REGISTRY_BUSY. A missing parent directory (no such model yet)
 * runs `fn` unlocked: it has nothing to protect and reports the missing model itself.
 */
export async function withDirLock<T> (lockDir: string, fn: () => Promise<T>, opts: DirLockOptions = {}): Promise<T> {
  const staleMs = opts.staleMs ?? 30_000
  const deadline = Date.now() + (opts.waitMs ?? 10_000)
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lockDir)
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return fn()
      if (code !== 'EEXIST') throw err
    }
    const since = await stat(lockDir).then((s) => Date.now() - s.mtimeMs, () => 0)
    if (since > staleMs) { await rm(lockDir, { recursive: true, force: true }); continue }
    if (Date.now() > deadline) throw new RegistryBusyError(lockDir, Math.round(since))
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + attempt) + Math.random() * 5))
  }
  try {
    return await fn()
  } finally {
    await rm(lockDir, { recursive: true, force: true })
  }
}
