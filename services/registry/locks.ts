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
