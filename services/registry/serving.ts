// Serving registry versions from the onnx model store, with hot reload. A served alias maps to a
// loaded version; when the alias moves, the new version is loaded first and then swapped in, so no
// request ever finds nothing. The replaced version is unloaded after a grace period (requests that
// picked it just before the swap are still enqueued on its batcher; the store drains it first).
// The version each served alias last loaded is remembered in a small state file: after a restart,
// an alias whose registry target cannot load (a tampered or invalid artifact) keeps serving that
// last good version, and the failure is reported (health) until the target loads.
import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { isGatewayError, ModelUnavailableError } from '../lib/errors.js'
import type { ModelStore, ServedModel } from '../inference/model-store.js'
import type { RegistryBackend } from './types.js'

export interface AliasFailure { model: string, alias: string, version: string, serving: string | null, error: string }
export interface Selector { alias?: string, version?: string }
export interface Resolved { model: ServedModel, version: string, alias: string | null }

/** Store names of registry versions: kept apart from the models/<name>/<N> directories. */
export const storeName = (name: string) => `${name}@registry`

export function createRegistryServing (deps: {
  registry: RegistryBackend
  store: ModelStore
  retireGraceMs: number
  /** JSON file remembering the last version that loaded for each served alias; none: not remembered. */
  statePath?: string
  log: { info: (o: object, msg: string) => void, error: (o: object, msg: string) => void }
}) {
  const { registry, store, log } = deps
  /** `${name}\0${alias}` -> the last version that loaded for it (persisted in statePath). */
  const lastGood = new Map<string, string>()
  /** Served aliases whose registry target did not load: what they serve instead (null: nothing). */
  const failed = new Map<string, AliasFailure>()
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

  /** A request meets a version that cannot load: 503 naming why (its own input is not at fault), integrity 502 as is. */
  const unavailable = (name: string, version: string, err: unknown) => {
    const e = err as Error & { statusCode?: number }
    if (isGatewayError(e) && e.statusCode !== undefined && e.statusCode >= 500) return e
    return new ModelUnavailableError(name, version, e.message)
  }

  let saving: Promise<void> = Promise.resolve()
  function remember (k: string, version: string): void {
    if (lastGood.get(k) === version) return
    lastGood.set(k, version)
    const path = deps.statePath
    if (path === undefined) return
    const body = JSON.stringify({ last_good: [...lastGood].map(([kk, v]) => { const [model, a] = kk.split('\0'); return { model, alias: a, version: v } }) }, null, 2) + '\n'
    saving = saving.then(async () => {
      const tmp = `${path}.${randomUUID()}.tmp`
      await writeFile(tmp, body)
      await rename(tmp, path)
    }).catch((err: Error) => log.error({ err, path }, 'registry serving state not saved'))
  }

  /** Points a served alias at `version`: load, swap, retire the old one. */
  async function swap (name: string, alias: string, version: string): Promise<void> {
    const k = key(name, alias)
    const previous = aliases.get(k)
    try {
      await ensureLoaded(name, version)
    } catch (err) {
      // Keep serving what this alias served (or last served before a restart), if it still loads.
      const fallback = previous ?? lastGood.get(k)
      const error = (err as Error).message
      if (fallback === undefined || fallback === version) {
        failed.set(k, { model: name, alias, version, serving: null, error })
        throw unavailable(name, version, err)
      }
      await ensureLoaded(name, fallback).catch((e: Error) => { failed.set(k, { model: name, alias, version, serving: null, error }); throw e })
      aliases.set(k, fallback)
      failed.set(k, { model: name, alias, version, serving: fallback, error })
      log.error({ model: name, alias, version, serving: fallback, err }, 'registry alias target cannot load; still serving the last good version')
      return
    }
    failed.delete(k)
    aliases.set(k, version)
    remember(k, version)
    if (previous !== undefined && previous !== version) {
      log.info({ model: name, alias, from: previous, to: version }, 'alias moved: hot reload')
      scheduleUnload(name, previous)
    }
  }

  return {
    /** Reads the remembered aliases and serves each again (start-up); failures are reported, not thrown. */
    async restore (): Promise<void> {
      if (deps.statePath === undefined) return
      let saved: { last_good?: Array<{ model: string, alias: string, version: string }> }
      try {
        saved = JSON.parse(await readFile(deps.statePath, 'utf8'))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.error({ err, path: deps.statePath }, 'registry serving state unreadable; starting without it')
        return
      }
      for (const e of saved.last_good ?? []) lastGood.set(key(e.model, e.alias), e.version)
      for (const e of saved.last_good ?? []) {
        let target = e.version
        try { target = await registry.getAlias(e.model, e.alias) } catch (err) {
          log.error({ model: e.model, alias: e.alias, err }, 'registry alias unreadable at start-up; serving the last good version')
        }
        await swap(e.model, e.alias, target).catch((err: Error) => log.error({ model: e.model, alias: e.alias, err }, 'registry alias not served at start-up'))
      }
    },
    /** Loads a version before an alias is pointed at it: an artifact that cannot load never becomes an alias. */
    async prepare (name: string, version: string): Promise<void> {
      await ensureLoaded(name, version)
      // Not served yet under any alias: released after the grace period unless an alias takes it.
      if (![...aliases].some(([k, v]) => k.startsWith(`${name}\0`) && v === version)) scheduleUnload(name, version)
    },
    /** Served aliases whose registry target did not load, with the version each serves instead. */
    failures (): AliasFailure[] { return [...failed.values()] },
    async resolve (name: string, sel: Selector): Promise<Resolved> {
      if (sel.version !== undefined) return { model: await ensureLoaded(name, sel.version), version: sel.version, alias: null }
      const alias = sel.alias ?? 'production'
      const known = aliases.get(key(name, alias))
      const ready = known === undefined ? null : loaded(name, known)
      if (known !== undefined && ready !== null) return { model: ready, version: known, alias }
      await swap(name, alias, await registry.getAlias(name, alias))
      // The registry's target, or the last good version when the target does not load.
      const version = aliases.get(key(name, alias)) as string
      return { model: await ensureLoaded(name, version), version, alias }
    },
    /** Called after the gateway moved an alias, and by the poller when the registry moved one. */
    async aliasChanged (name: string, alias: string, version: string | null): Promise<void> {
      if (version === null) { aliases.delete(key(name, alias)); failed.delete(key(name, alias)); return }
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
          if (version !== current || failed.has(k)) await swap(name, alias, version)
          const served = aliases.get(k) as string
          const failure = failed.get(k)
          out.push(failure !== undefined && failure.version === version ? { model: name, alias, version: served, error: failure.error } : { model: name, alias, version: served })
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
    async close (): Promise<void> {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      await saving
    }
  }
}

export type RegistryServing = ReturnType<typeof createRegistryServing>
