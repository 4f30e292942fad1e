// File registry: <root>/<name>/<N>/{model.onnx, metadata.json, metrics.json, version.json},
// <root>/<name>/aliases.json and <root>/<name>/alias-history.jsonl. Every write goes to a temp file
// (or temp directory) and is renamed into place, so a reader never sees half a file; writes of one
// model go through a per-model queue and a lock directory (<root>/<name>/.lock), so concurrent
// promotions and registrations serialize, within one process and across processes.
import { createHash, randomUUID } from 'node:crypto'
import { appendFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  BadRequestError, RegistryAliasNotFoundError, RegistryIntegrityError, RegistryModelNotFoundError, RegistryVersionNotFoundError
} from '../lib/errors.js'
import { validateModelArtifact } from '../inference/model-format.js'
import { EMBEDDED_NAME } from '../../schemas/registry.js'
import { createKeyedQueue, withDirLock } from './locks.js'
import { STAGES, type AliasChange, type NewVersion, type RegisteredModel, type RegistryBackend, type RegistryVersion } from './types.js'

const NAME = new RegExp(EMBEDDED_NAME)
type VersionFile = Omit<RegistryVersion, 'aliases'>

export function checkName (what: string, value: string): void {
  if (!NAME.test(value)) throw new BadRequestError(`${what} '${value}' must match ${NAME.source}`)
}

async function readJson<T> (file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

async function writeJsonAtomic (file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomUUID()}.tmp`
  await writeFile(tmp, JSON.stringify(value, null, 2) + '\n')
  await rename(tmp, file)
}

export function createEmbeddedRegistry (root: string): RegistryBackend {
  /**
   * Runs `fn` after every earlier write of the same model has finished: queued in this process, and
   * under the model's lock directory against other processes (another gateway, the CLI, a retrain run).
   */
  const queue = createKeyedQueue()
  const locked = <T>(name: string, fn: () => Promise<T>) => queue(name, () => withDirLock(join(modelDir(name), '.lock'), fn))

  // Checked on every use: a name is a path segment, never '..'.
  const modelDir = (name: string) => { checkName('model name', name); return join(root, name) }
  // Aliases are names a client sends: a null-prototype map, so 'constructor' or 'toString' is no alias.
  const aliasesOf = async (name: string): Promise<Record<string, string>> =>
    Object.assign(Object.create(null) as Record<string, string>, await readJson<Record<string, string>>(join(modelDir(name), 'aliases.json')))
  const aliasOf = (aliases: Record<string, string>, alias: string): string | undefined => Object.hasOwn(aliases, alias) ? aliases[alias] : undefined

  async function versionNumbers (name: string): Promise<number[]> {
    let entries: string[]
    try {
      entries = await readdir(modelDir(name))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RegistryModelNotFoundError(name)
      throw err
    }
    return entries.filter((e) => /^\d+$/.test(e)).map(Number).sort((a, b) => a - b)
  }

  async function readVersion (name: string, version: string, aliases?: Record<string, string>): Promise<RegistryVersion> {
    if (!/^\d+$/.test(version)) throw new RegistryVersionNotFoundError(name, version)
    const file = await readJson<VersionFile>(join(modelDir(name), version, 'version.json'))
    if (file === null) {
      await versionNumbers(name) // 404 for the model before 404 for the version
      throw new RegistryVersionNotFoundError(name, version)
    }
    const a = aliases ?? await aliasesOf(name)
    return { ...file, aliases: Object.keys(a).filter((k) => a[k] === version).sort() }
  }

  async function recordAlias (name: string, alias: string, from: string | null, to: string | null): Promise<void> {
    const change: AliasChange = { at: new Date().toISOString(), model: name, alias, from, to }
    // One appended line per change: a JSON-lines log stays readable even if a write is cut short.
    await appendFile(join(modelDir(name), 'alias-history.jsonl'), JSON.stringify(change) + '\n')
  }

  return {
    kind: 'embedded',
    location: pathToFileURL(root).href,
    async describe () {
      return { root, models: (await this.listModels()).length }
    },
    close: async () => {},
    async listModels (): Promise<RegisteredModel[]> {
      let names: string[]
      try {
        names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      return Promise.all(names.map(async (name) => {
        const nums = await versionNumbers(name)
        return { name, latest_version: nums.length > 0 ? String(nums[nums.length - 1]) : null, aliases: await aliasesOf(name), versions: nums.length }
      }))
    },
    async listVersions (name) {
      const aliases = await aliasesOf(name)
      return Promise.all((await versionNumbers(name)).map((n) => readVersion(name, String(n), aliases)))
    },
    getVersion: (name, version) => readVersion(name, version),
    async createVersion (name, v: NewVersion) {
      checkName('model name', name)
      // Refused before anything is written: only ONNX that loads and answers a probe batch is kept.
      await validateModelArtifact(v.onnx, v.metadata)
      await mkdir(modelDir(name), { recursive: true }) // the lock lives in it
      return locked(name, async () => {
        const nums = await versionNumbers(name)
        const version = String((nums[nums.length - 1] ?? 0) + 1)
        const sha256 = createHash('sha256').update(v.onnx).digest('hex')
        const file: VersionFile = {
          name,
          version,
          created_at: new Date().toISOString(),
          sha256,
          stage: 'None',
          source: v.source ?? 'gateway',
          metrics: v.metrics ?? {},
          params: v.params ?? {},
          tags: v.tags ?? {}
        }
        // The version appears complete or not at all: build it in a temp dir, then one rename.
        const tmp = join(modelDir(name), `.tmp-${randomUUID()}`)
        await mkdir(tmp)
        try {
          await writeFile(join(tmp, 'model.onnx'), v.onnx)
          await writeFile(join(tmp, 'metadata.json'), JSON.stringify({ ...v.metadata, sha256 }, null, 2) + '\n')
          await writeFile(join(tmp, 'metrics.json'), JSON.stringify(file.metrics, null, 2) + '\n')
          await writeFile(join(tmp, 'version.json'), JSON.stringify(file, null, 2) + '\n')
          await rename(tmp, join(modelDir(name), version))
        } catch (err) {
          await rm(tmp, { recursive: true, force: true })
          throw err
        }
        return { ...file, aliases: [] }
      })
    },
    async setAlias (name, alias, version) {
      checkName('alias', alias)
      return locked(name, async () => {
        await readVersion(name, version)
        const aliases = await aliasesOf(name)
        const from = aliasOf(aliases, alias) ?? null
        await writeJsonAtomic(join(modelDir(name), 'aliases.json'), { ...aliases, [alias]: version })
        await recordAlias(name, alias, from, version)
        return from
      })
    },
    async deleteAlias (name, alias) {
      return locked(name, async () => {
        const aliases = await aliasesOf(name)
        const from = aliasOf(aliases, alias)
        if (from === undefined) { await versionNumbers(name); throw new RegistryAliasNotFoundError(name, alias) }
        delete aliases[alias]
        await writeJsonAtomic(join(modelDir(name), 'aliases.json'), aliases)
        await recordAlias(name, alias, from, null)
        return from
      })
    },
    async getAlias (name, alias) {
      const version = aliasOf(await aliasesOf(name), alias)
      if (version === undefined) { await versionNumbers(name); throw new RegistryAliasNotFoundError(name, alias) }
      return version
    },
    async aliasHistory (name) {
      await versionNumbers(name)
      let text = ''
      try { text = await readFile(join(modelDir(name), 'alias-history.jsonl'), 'utf8') } catch {}
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AliasChange)
    },
    async setStage (name, version, stage) {
      if (!(STAGES as readonly string[]).includes(stage)) throw new BadRequestError(`stage must be one of ${STAGES.join(', ')}`)
      return locked(name, async () => {
        const current = await readVersion(name, version)
        const { aliases: _, ...file } = { ...current, stage }
        await writeJsonAtomic(join(modelDir(name), version, 'version.json'), file)
        return { ...current, stage }
      })
    },
    async fetchArtifact (name, version) {
      const v = await readVersion(name, version)
      const dir = join(modelDir(name), version)
      const actual = createHash('sha256').update(await readFile(join(dir, 'model.onnx'))).digest('hex')
      if (actual !== v.sha256) throw new RegistryIntegrityError(name, version, `artifact sha256 ${actual} does not match the registered ${v.sha256}`)
      return dir
    }
  }
}
