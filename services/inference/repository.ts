// The model repository that Triton's model_repository extension controls: the model directories
// under MODELS_DIR (`<name>/<version>/model.onnx`), loaded into and unloaded from the model store on
// request. It remembers which models were unloaded so the repository index and readiness can say so.
// Plain module: the kserve plugin hands it the store and the directory.
import { join } from 'node:path'
import type { ModelStore } from './model-store.js'
import { discoverModels, readServingSettings } from './onnx-models.js'
import { ModelNotFoundError, ModelUnavailableError } from '../lib/errors.js'

export interface RepositoryDeps {
  store: Pick<ModelStore, 'load' | 'unload' | 'list'>
  /** MODELS_DIR. */
  root: string
  log?: { info: (o: object, msg: string) => void }
}

export interface IndexRow { name: string, version?: string, state: string, reason?: string }

export function createModelRepository (deps: RepositoryDeps) {
  const { store, root } = deps
  /** Name -> the versions an unload request took out of service. */
  const unloaded = new Map<string, string[]>()
  // Loads and unloads run one at a time, so an unload never races a load of the same model.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn)
    queue = next.catch(() => {})
    return next
  }

  const onDisk = async (name: string) => (await discoverModels(root)).filter((d) => d.name === name)

  return {
    /** Loads (or reloads) every version of `name` found on disk. */
    load: (name: string): Promise<string[]> => serial(async () => {
      const dirs = await onDisk(name)
      if (dirs.length === 0) throw new ModelNotFoundError(name)
      const settings = await readServingSettings(join(root, name))
      for (const dir of dirs) {
        try {
          await store.load(dir, settings)
        } catch (err) {
          // A model that cannot be opened is not served; the client learns why (the store keeps the reason for /health).
          throw new ModelUnavailableError(name, dir.version, (err as Error).message)
        }
      }
      unloaded.delete(name)
      deps.log?.info({ model: name, versions: dirs.map((d) => d.version) }, 'model loaded on request')
      return dirs.map((d) => d.version)
    }),

    /** Takes every loaded version of `name` out of service; queued requests finish first. */
    unload: (name: string): Promise<string[]> => serial(async () => {
      const versions = store.list().filter((m) => m.name === name).map((m) => m.version)
      if (versions.length === 0) {
        if (unloaded.has(name)) return []
        if ((await onDisk(name)).length === 0) throw new ModelNotFoundError(name)
      }
      for (const v of versions) await store.unload(name, v)
      unloaded.set(name, [...new Set([...(unloaded.get(name) ?? []), ...versions])])
      deps.log?.info({ model: name, versions }, 'model unloaded on request')
      return versions
    }),

    isUnloaded: (name: string): boolean => unloaded.has(name),

    /** Index rows of the unloaded models, as Triton lists them (state UNAVAILABLE, reason "unloaded"). */
    unloadedRows (): IndexRow[] {
      return [...unloaded].flatMap(([name, versions]) => versions.length === 0
        ? [{ name, state: 'UNAVAILABLE', reason: 'unloaded' }]
        : versions.map((version) => ({ name, version, state: 'UNAVAILABLE', reason: 'unloaded' })))
    }
  }
}

export type ModelRepository = ReturnType<typeof createModelRepository>
