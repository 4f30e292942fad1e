// Serving registry versions from the onnx model store, with hot reload. A served alias maps to a
// loaded version; when the alias moves, the new version is loaded first and then swapped in, so no
// request ever finds nothing. The replaced version is unloaded after a grace period (requests that
// picked it just before the swap are still enqueued on its batcher; the store drains it first).
import type { ModelStore, ServedModel } from '../inference/model-store.js'
import type { RegistryBackend } from './types.js'

export interface Selector { alias?: string, version?: string }
export interface Resolved { model: ServedModel, version: string, alias: string | null }

/** Store names of registry versions: kept apart from the models/<name>/<N> directories. */
export const storeName = (name: string) => `${name}@registry`

export function createRegistryServing (deps: {
  registry: RegistryBackend
  store: ModelStore
  retireGraceMs: number
  log: { info: (o: object, msg: string) => void, error: (o: object, msg: string) => void }
}) {
  const { registry, store, log } = deps
  /** `${name}\0${alias}` -> version currently served for that alias. */
  const aliases = new Map<string, string>()
  const loading = new Map<string, Promise<ServedModel>>()
  const timers = new Set<NodeJS.Timeout>()
  /** Legacy stage per `${name}/${version}`: read once, not per request; re-read in the background after a refresh. */
  const stages = new Map<string, string>()
  const staleStages = new Set<string>()
  const rereading = new Set<string>()
  const key = (name: string, alias: string) => `${name}\0${alias}`

  function loaded (name: string, version: string): ServedModel | null {
    try { return store.get(storeName(name), version) } catch { return null }
  }

  /** Loads a version once, however many requests ask for it at the same time. */
  function ensureLoaded (name: string, version: string): Promise<ServedModel> {
    const ready = loaded(name, version)
    if (ready !== null) return Promise.resolve(ready)
    const k = `${name}/${version}`
    let p = loading.get(k)
    if (p === undefined) {
      p = (async () => {
        const dir = await registry.fetchArtifact(name, version)
        const served = await store.load({ name: storeName(name), version, dir })
        log.info({ model: name, version }, 'registry version loaded')
        return served
      })().finally(() => loading.delete(k))
      loading.set(k, p)
    }
    return p
  }

  function scheduleUnload (name: string, version: string): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      // Still served under another alias (or moved back): keep it.
      if ([...aliases].some(([k, v]) => k.startsWith(`${name}\0`) && v === version)) return
      void store.unload(storeName(name), version).then(() => log.info({ model: name, version }, 'registry version unloaded'))
    }, deps.retireGraceMs)
    timers.add(timer)
  }

  /** Points a served alias at `version`: load, swap, retire the old one. */
  async function swap (name: string, alias: string, version: string): Promise<void> {
    await ensureLoaded(name, version)
    const previous = aliases.get(key(name, alias))
    aliases.set(key(name, alias), version)
    if (previous !== undefined && previous !== version) {
      log.info({ model: name, alias, from: previous, to: version }, 'alias moved: hot reload')
      scheduleUnload(name, previous)
    }
  }

  return {
    async resolve (name: string, sel: Selector): Promise<Resolved> {
      if (sel.version !== undefined) return { model: await ensureLoaded(name, sel.version), version: sel.version, alias: null }
      const alias = sel.alias ?? 'production'
      const known = aliases.get(key(name, alias))
      const ready = known === undefined ? null : loaded(name, known)
      if (known !== undefined && ready !== null) return { model: ready, version: known, alias }
      const version = await registry.getAlias(name, alias)
      await swap(name, alias, version)
      return { model: await ensureLoaded(name, version), version, alias }
    },
    /** Called after the gateway moved an alias, and by the poller when the registry moved one. */
    async aliasChanged (name: string, alias: string, version: string | null): Promise<void> {
      if (version === null) { aliases.delete(key(name, alias)); return }
      // Only aliases being served are preloaded; others load on first request.
      if (aliases.has(key(name, alias))) await swap(name, alias, version)
    },
    async stageOf (name: string, version: string): Promise<string> {
      const k = `${name}/${version}`
      const known = stages.get(k)
      const reread = () => registry.getVersion(name, version).then((v) => { stages.set(k, v.stage); staleStages.delete(k); return v.stage })
      if (known === undefined) return reread()
      if (staleStages.has(k) && !rereading.has(k)) {
        // Stale: answer with the last known stage now and re-read in the background, so a slow or
        // unreachable registry never holds up (or fails) a request the loaded version can answer.
        rereading.add(k)
        reread().catch((err) => log.error({ model: name, version, err }, 'registry stage re-read failed; keeping the last known one'))
          .finally(() => rereading.delete(k))
      }
      return known
    },
    /** After a stage change made through the gateway: the next request reads it. */
    forgetStage (name: string, version: string): void { stages.delete(`${name}/${version}`) },
    /** Re-reads every served alias from the registry (polling, admin reload). */
    async refresh (): Promise<Array<{ model: string, alias: string, version: string, error?: string }>> {
      for (const k of stages.keys()) staleStages.add(k)
      const out = []
      for (const [k, current] of [...aliases]) {
        const [name, alias] = k.split('\0')
        try {
          const version = await registry.getAlias(name, alias)
          if (version !== current) await swap(name, alias, version)
          out.push({ model: name, alias, version })
        } catch (err) {
          log.error({ model: name, alias, err }, 'registry refresh failed; still serving the loaded version')
          out.push({ model: name, alias, version: current, error: (err as Error).message })
        }
      }
      return out
    },
    served (): Array<{ model: string, alias: string, version: string }> {
      return [...aliases].map(([k, version]) => { const [model, alias] = k.split('\0'); return { model, alias, version } })
    },
    close (): void {
      for (const t of timers) clearTimeout(t)
      timers.clear()
    }
  }
}

export type RegistryServing = ReturnType<typeof createRegistryServing>
