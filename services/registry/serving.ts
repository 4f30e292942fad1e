// Serving registry versions from the onnx model store, with hot reload. A served alias maps to a
// loaded version; when the alias moves, the new version is loaded first and then swapped in, so no
// request ever finds nothing. The replaced version is unloaded after a grace period (requests that
// picked it just before the swap are still enqueued on its batcher; the store drains it first).
// A refresh (polling, admin reload) follows every change made by any client: a moved alias is
// swapped, a deleted alias (or model) stops being served, and a version whose bytes changed (deleted
// and re-created under the same number) is loaded again; all checks run at once under one deadline.
// An alias whose target cannot load keeps its last good version (last-good.ts, across restarts),
// and the failure is reported (health) until the target loads.
import type { ModelStore, ServedModel } from '../inference/model-store.js'
import { isGatewayError, ModelFormatUnsupportedError, ModelInvalidError, ModelLoadError, ModelUnavailableError, RegistryModelUnservableError } from '../lib/errors.js'
import { createLastGood } from './last-good.js'
import type { RegistryBackend } from './types.js'

export interface AliasFailure { model: string, alias: string, version: string, serving: string | null, error: string }
export interface Selector { alias?: string, version?: string }
export interface Resolved { model: ServedModel, version: string, alias: string | null }
export interface RefreshResult {
  model: string
  alias: string
  /** The version now served (for a deleted or failed alias: the one served until then). */
  version: string
  status: 'unchanged' | 'moved' | 'reloaded' | 'deleted' | 'failed'
  error?: string
}
interface Target { version: string, identity: string }

/** Store names of registry versions: kept apart from the models/<name>/<N> directories. */
export const storeName = (name: string) => `${name}@registry`

const GONE = new Set(['GW_REGISTRY_ALIAS_NOT_FOUND', 'GW_REGISTRY_MODEL_NOT_FOUND', 'GW_REGISTRY_VERSION_NOT_FOUND'])
const gone = (err: unknown) => GONE.has((err as { code?: string }).code ?? '')

export function createRegistryServing (deps: {
  registry: RegistryBackend
  store: ModelStore
  retireGraceMs: number
  /** One deadline for a whole refresh (every served alias is checked at once). */
  refreshDeadlineMs?: number
  /** JSON file remembering the last version that loaded for each served alias; none: not remembered. */
  statePath?: string
  log: { info: (o: object, msg: string) => void, error: (o: object, msg: string) => void }
}) {
  const { registry, store, log } = deps
  const deadlineMs = deps.refreshDeadlineMs ?? 10_000
  const lastGood = createLastGood(deps.statePath, log)
  /** Served aliases whose registry target did not load: what they serve instead (null: nothing). */
  const failed = new Map<string, AliasFailure>()
  /** `${name}\0${alias}` -> version currently served for that alias. */
  const aliases = new Map<string, string>()
  /** `${name}/${version}` -> identity of the bytes loaded for it. */
  const identities = new Map<string, string>()
  const loading = new Map<string, Promise<ServedModel>>()
  /** Versions refused at load, by `${name}/${version}#${identity}`: not opened again on every request. */
  const refused = new Map<string, Error>()
  /** Aliases whose refresh fails: logged when it starts failing and when it recovers, not every poll. */
  const failing = new Set<string>()
  const timers = new Set<NodeJS.Timeout>()
  /** Legacy stage per `${name}/${version}`: read once, not per request; re-read in the background after a refresh. */
  const stages = new Map<string, string>()
  const staleStages = new Set<string>()
  const rereading = new Set<string>()
  const key = (name: string, alias: string) => `${name}\0${alias}`

  const resolveAlias = async (name: string, alias: string): Promise<Target> =>
    registry.resolveAlias !== undefined ? registry.resolveAlias(name, alias) : { version: await registry.getAlias(name, alias), identity: '' }
  const identityOf = async (name: string, version: string): Promise<string> =>
    registry.versionIdentity !== undefined ? registry.versionIdentity(name, version) : ''

  function loaded (name: string, version: string): ServedModel | null {
    try { return store.get(storeName(name), version) } catch { return null }
  }

  /** Loads a version once, however many requests ask for it; again when its bytes changed (`identity`). */
  async function ensureLoaded (name: string, version: string, identity?: string): Promise<ServedModel> {
    const k = `${name}/${version}`
    const ready = loaded(name, version)
    if (ready !== null && (identity === undefined || identities.get(k) === identity)) return ready
    const id = identity ?? await identityOf(name, version)
    const lk = `${k}#${id}`
    const no = refused.get(lk)
    if (no !== undefined) throw no
    let p = loading.get(lk)
    if (p === undefined) {
      p = (async () => {
        const dir = await registry.fetchArtifact(name, version)
        let served: ServedModel
        try {
          served = await store.load({ name: storeName(name), version, dir })
        } catch (err) {
          const notOnnx = err instanceof ModelFormatUnsupportedError
          if (!(err instanceof ModelLoadError || err instanceof ModelInvalidError || notOnnx)) throw err
          // The artifact is there and intact but is not ONNX (415, as the format gate says it), or does
          // not fit, load or run (422 unservable, naming the version and why): the client's model, not
          // the gateway, is at fault, and the models that work keep /health up.
          store.forgetFailure(storeName(name), version)
          const reason = (err as Error).message.replace(/^Cannot load model '[^']*' version '[^']*': /, '').replace(/^Refused: /, '')
          const refusal = notOnnx ? err as Error : new RegistryModelUnservableError(name, version, reason)
          if (refused.size > 1000) refused.clear()
          refused.set(lk, refusal)
          log.error({ model: name, version, reason }, 'registry version refused at load')
          throw refusal
        }
        identities.set(k, id)
        log.info({ model: name, version }, 'registry version loaded')
        return served
      })().finally(() => loading.delete(lk))
      loading.set(lk, p)
    }
    return p
  }

  function scheduleUnload (name: string, version: string): void {
    const timer = setTimeout(() => {
      timers.delete(timer)
      // Still served under another alias (or moved back): keep it.
      if ([...aliases].some(([k, v]) => k.startsWith(`${name}\0`) && v === version)) return
      identities.delete(`${name}/${version}`)
      void store.unload(storeName(name), version).then(() => log.info({ model: name, version }, 'registry version unloaded'))
    }, deps.retireGraceMs)
    timers.add(timer)
  }

  /** A request meets a version that cannot load: a refusal of the model (415, 422) or a 5xx as is, else 503 naming why. */
  const unavailable = (name: string, version: string, err: unknown) => {
    const e = err as Error & { statusCode?: number }
    if (e instanceof RegistryModelUnservableError || e instanceof ModelInvalidError || e instanceof ModelFormatUnsupportedError ||
      (isGatewayError(e) && e.statusCode !== undefined && e.statusCode >= 500)) return e
    return new ModelUnavailableError(name, version, e.message)
  }

  /** Points a served alias at `target`: load, swap, retire the old one. A target that cannot load
   *  leaves the alias on what it served (or last served before a restart), if that still loads. */
  async function swap (name: string, alias: string, target: Target): Promise<void> {
    const k = key(name, alias)
    const previous = aliases.get(k)
    try {
      await ensureLoaded(name, target.version, target.identity)
    } catch (err) {
      const fallback = previous ?? lastGood.get(name, alias)
      const error = (err as Error).message
      if (fallback === undefined || fallback === target.version) {
        failed.set(k, { model: name, alias, version: target.version, serving: null, error })
        throw unavailable(name, target.version, err)
      }
      await ensureLoaded(name, fallback).catch((e: Error) => { failed.set(k, { model: name, alias, version: target.version, serving: null, error }); throw e })
      aliases.set(k, fallback)
      failed.set(k, { model: name, alias, version: target.version, serving: fallback, error })
      log.error({ model: name, alias, version: target.version, serving: fallback, err }, 'registry alias target cannot load; still serving the last good version')
      return
    }
    failed.delete(k)
    aliases.set(k, target.version)
    lastGood.remember(name, alias, target.version)
    if (previous !== undefined && previous !== target.version) {
      log.info({ model: name, alias, from: previous, to: target.version }, 'alias moved: hot reload')
      scheduleUnload(name, previous)
    }
  }

  /** No longer served: the alias (or its model) is gone from the registry; requests get its 404. */
  function drop (name: string, alias: string, version: string): void {
    if (aliases.get(key(name, alias)) !== version) return
    aliases.delete(key(name, alias))
    failed.delete(key(name, alias))
    log.info({ model: name, alias, version }, 'alias deleted in the registry: no longer served')
    scheduleUnload(name, version)
  }

  async function checkAlias (name: string, alias: string, current: string): Promise<RefreshResult> {
    const k = key(name, alias)
    try {
      const target = await resolveAlias(name, alias)
      const moved = target.version !== current
      const changed = !moved && identities.has(`${name}/${current}`) && identities.get(`${name}/${current}`) !== target.identity
      if (moved || changed || failed.has(k)) await swap(name, alias, target)
      const failure = failed.get(k)
      if (failure !== undefined && failure.version === target.version) {
        return { model: name, alias, version: aliases.get(k) ?? current, status: 'failed', error: failure.error }
      }
      if (changed) log.info({ model: name, alias, version: current }, 'registry version re-created with other bytes: reloaded')
      if (failing.delete(k)) log.info({ model: name, alias }, 'registry refresh works again')
      return { model: name, alias, version: target.version, status: moved ? 'moved' : changed ? 'reloaded' : 'unchanged' }
    } catch (err) {
      if (gone(err) && !(err as { code?: string }).code?.endsWith('VERSION_NOT_FOUND')) {
        failing.delete(k)
        drop(name, alias, current)
        return { model: name, alias, version: current, status: 'deleted' }
      }
      if (!failing.has(k)) {
        failing.add(k)
        log.error({ model: name, alias, err }, 'registry refresh failed; still serving the loaded version (logged again once it works)')
      }
      return { model: name, alias, version: current, status: 'failed', error: (err as Error).message }
    }
  }

  /** A version loaded by number (no alias): unloaded when deleted, loaded again when its bytes changed. */
  async function checkVersion (name: string, version: string, identity: string): Promise<void> {
    try {
      const now = await identityOf(name, version)
      if (now !== identity) await ensureLoaded(name, version, now)
    } catch (err) {
      if (!gone(err)) return // kept as it is; the next refresh tries again
      identities.delete(`${name}/${version}`)
      await store.unload(storeName(name), version)
      log.info({ model: name, version }, 'registry version deleted in the registry: unloaded')
    }
  }

  return {
    /** Reads the remembered aliases and serves each again (start-up); failures are reported, not thrown. */
    async restore (): Promise<void> {
      for (const e of await lastGood.load()) {
        let target: Target = { version: e.version, identity: '' }
        try { target = await resolveAlias(e.model, e.alias) } catch (err) {
          log.error({ model: e.model, alias: e.alias, err }, 'registry alias unreadable at start-up; serving the last good version')
          target = { version: e.version, identity: await identityOf(e.model, e.version).catch(() => '') }
        }
        await swap(e.model, e.alias, target).catch((err: Error) => log.error({ model: e.model, alias: e.alias, err }, 'registry alias not served at start-up'))
      }
    },
    /** Served aliases whose registry target did not load, with the version each serves instead. */
    failures (): AliasFailure[] { return [...failed.values()] },
    async resolve (name: string, sel: Selector): Promise<Resolved> {
      if (sel.version !== undefined) return { model: await ensureLoaded(name, sel.version), version: sel.version, alias: null }
      const alias = sel.alias ?? 'production'
      const known = aliases.get(key(name, alias))
      const ready = known === undefined ? null : loaded(name, known)
      if (known !== undefined && ready !== null) return { model: ready, version: known, alias }
      const target = await resolveAlias(name, alias)
      await swap(name, alias, target)
      // The registry's target, or the last good version when the target does not load.
      const version = aliases.get(key(name, alias)) as string
      return { model: version === target.version ? await ensureLoaded(name, version, target.identity) : await ensureLoaded(name, version), version, alias }
    },
    /**
     * Before the gateway moves an alias: the artifact verified and, where the alias is served, the
     * version loaded, so a version that cannot be served (422) leaves the alias where it was.
     */
    async prepareMove (name: string, alias: string, version: string): Promise<void> {
      await ensureLoaded(name, version, await identityOf(name, version))
      // Not served yet under any alias: released after the grace period unless an alias takes it.
      if (!aliases.has(key(name, alias)) && ![...aliases].some(([k, v]) => k.startsWith(`${name}\0`) && v === version)) scheduleUnload(name, version)
    },
    /** Called after the gateway moved an alias, and by the poller when the registry moved one. */
    async aliasChanged (name: string, alias: string, version: string | null): Promise<void> {
      if (version === null) { aliases.delete(key(name, alias)); failed.delete(key(name, alias)); return }
      // Only aliases being served are preloaded; others load on first request.
      if (aliases.has(key(name, alias))) await swap(name, alias, { version, identity: await identityOf(name, version) })
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
    /**
     * Re-reads every served alias (and every version loaded by number) from the registry at once
     * (polling, admin reload). Answers by the deadline; a check still running then is reported failed
     * and finishes in the background.
     */
    async refresh (): Promise<RefreshResult[]> {
      for (const k of stages.keys()) staleStages.add(k)
      const served = [...aliases].map(([k, current]) => { const [name, alias] = k.split('\0'); return { name, alias, current } })
      const byAlias = new Set(served.map((s) => `${s.name}/${s.current}`))
      const byNumber = [...identities].filter(([k]) => !byAlias.has(k)).map(([k, identity]) => {
        const at = k.lastIndexOf('/')
        return checkVersion(k.slice(0, at), k.slice(at + 1), identity)
      })
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<null>((resolve) => { timer = setTimeout(resolve, deadlineMs, null) })
      try {
        const results = await Promise.all(served.map(async ({ name, alias, current }) => (await Promise.race([checkAlias(name, alias, current), late])) ??
          { model: name, alias, version: current, status: 'failed' as const, error: `no answer from the registry within ${deadlineMs} ms; still trying` }))
        await Promise.race([Promise.all(byNumber), late])
        return results
      } finally {
        clearTimeout(timer)
      }
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
