// Registry backend on a real MLflow tracking server (MLFLOW_TRACKING_URI), through its REST API.
// - A version registered here is created from a run: the run gets the metrics, params and tags; the
//   ONNX file goes through the artifact proxy in MLflow's model layout (<run>/artifacts/model with
//   MLmodel, model.onnx and the gateway's metadata.json); the version carries a `sha256` tag.
// - Versions registered by other MLflow clients (e.g. Python `mlflow.onnx.log_model`) are served too:
//   the artifact is found with get-download-uri, whatever the version's `source` says.
// - Artifacts are downloaded once into a local cache and sha256-checked before every load
//   (services/registry/mlflow-artifacts.ts).
// - MLflow's error codes are mapped: a missing alias is its 400 INVALID_PARAMETER_VALUE, ours 404.
// - MLflow keeps no alias history: changes made through the gateway or the CLI are recorded in the
//   registered model's `gateway.alias_history` tag (newest ~1000 kept).
import { BadRequestError, RegistryVersionNotFoundError } from '../lib/errors.js'
import { validateModelArtifact } from '../inference/model-format.js'
import { sha256 } from '../inference/onnx-models.js'
import { createKeyedQueue } from './locks.js'
import { createArtifactAccess, mlmodelYaml, versionIdentity } from './mlflow-artifacts.js'
import { createMlflowClient, MlflowApiError } from './mlflow-client.js'
import { experimentOf } from './mlflow-experiment.js'
import {
  appendHistory, HISTORY_TAG, paramValue, SHA_TAG, tagsOf, translateMlflowError,
  type ErrorContext, type MlflowModel, type MlflowRun, type MlflowVersion
} from './mlflow-mapping.js'
import { STAGES, type AliasChange, type NewVersion, type RegisteredModel, type RegistryBackend, type RegistryVersion } from './types.js'

export interface MlflowRegistryOptions {
  trackingUri: string
  timeoutMs: number
  /** The MLflow upstream's circuit breaker (defaults: 5 failures, 10 s). */
  breaker?: { threshold?: number, coolDownMs?: number }
  /** Local directory for downloaded artifacts. */
  cacheDir: string
  /** Experiment that holds the runs of versions registered through the gateway. */
  experiment: string
  log?: { warn: (o: object, msg: string) => void }
}

export function createMlflowRegistry (opts: MlflowRegistryOptions): RegistryBackend {
  const client = createMlflowClient({ trackingUri: opts.trackingUri, timeoutMs: opts.timeoutMs, breaker: opts.breaker })
  const locked = createKeyedQueue()
  const runs = new Map<string, { metrics: Record<string, number>, params: Record<string, unknown> }>()
  const ensureExperiment = experimentOf(client, opts.experiment, (err) => translate(err))
  const artifacts = createArtifactAccess({ client, api, cacheDir: opts.cacheDir, log: opts.log })

  const translate = (err: unknown, ctx: ErrorContext = {}) => translateMlflowError(err, ctx, client.upstream, opts.timeoutMs)

  async function api<T> (fn: () => Promise<T>, ctx: { name?: string, version?: string, alias?: string } = {}): Promise<T> {
    try { return await fn() } catch (err) { throw translate(err, ctx) }
  }

  function checkModelName (name: string): void {
    // Names reach search filters quoted (in the quote they do not contain) and cache paths encoded.
    if (name === '' || (name.includes("'") && name.includes('"'))) throw new BadRequestError(`model name '${name}' must be non-empty and not contain both quote characters`)
  }
  const nameFilter = (name: string) => name.includes("'") ? `name="${name}"` : `name='${name}'`

  const getModel = (name: string) => { checkModelName(name); return api(async () => (await client.get<{ registered_model: MlflowModel }>('registered-models/get', { name })).registered_model, { name }) }

  async function searchAll<T> (endpoint: string, key: string, params: Record<string, string | number>): Promise<T[]> {
    const out: T[] = []
    let token: string | undefined
    do {
      const page = await api(() => client.get<Record<string, unknown>>(endpoint, { ...params, page_token: token }))
      out.push(...((page[key] as T[] | undefined) ?? []))
      token = page.next_page_token as string | undefined
    } while (token !== undefined && token !== '')
    return out
  }

  const searchVersions = (name: string) => searchAll<MlflowVersion>('model-versions/search', 'model_versions', { filter: nameFilter(name), max_results: 1000 })

  async function runData (runId: string | undefined) {
    if (runId === undefined || runId === '') return { metrics: {}, params: {} }
    let data = runs.get(runId)
    if (data === undefined) {
      try {
        const { run } = await client.get<{ run: MlflowRun }>('runs/get', { run_id: runId })
        data = {
          metrics: Object.fromEntries((run.data?.metrics ?? []).map((m) => [m.key, Number(m.value)])),
          params: Object.fromEntries((run.data?.params ?? []).map((p) => [p.key, paramValue(p.value)]))
        }
      } catch (err) {
        // A deleted run leaves the version servable; it just has no metrics to show.
        if (err instanceof MlflowApiError && err.status === 404) return { metrics: {}, params: {} }
        throw translate(err)
      }
      if (runs.size > 1000) runs.clear()
      runs.set(runId, data)
    }
    return data
  }

  async function toVersion (mv: MlflowVersion, aliases?: string[]): Promise<RegistryVersion> {
    const { [SHA_TAG]: sha, ...tags } = tagsOf(mv.tags)
    const { metrics, params } = await runData(mv.run_id)
    return {
      name: mv.name,
      version: String(mv.version),
      created_at: new Date(mv.creation_timestamp ?? 0).toISOString(),
      sha256: sha ?? '',
      stage: mv.current_stage ?? 'None',
      source: mv.source ?? '',
      metrics,
      params,
      tags,
      aliases: [...(aliases ?? mv.aliases ?? [])].sort()
    }
  }

  const aliasesOf = (model: MlflowModel, version: string) => (model.aliases ?? []).filter((a) => String(a.version) === version).map((a) => a.alias)

  async function getMlflowVersion (name: string, version: string): Promise<MlflowVersion> {
    checkModelName(name)
    if (!/^\d+$/.test(version)) throw new RegistryVersionNotFoundError(name, version)
    return api(async () => (await client.get<{ model_version: MlflowVersion }>('model-versions/get', { name, version })).model_version, { name, version })
  }

  async function aliasOrNull (name: string, alias: string): Promise<string | null> {
    try {
      return await backend.getAlias(name, alias)
    } catch (err) {
      if ((err as { code?: string }).code === 'GW_REGISTRY_ALIAS_NOT_FOUND') return null
      throw err
    }
  }

  async function readHistory (name: string): Promise<AliasChange[]> {
    const raw = tagsOf((await getModel(name)).tags)[HISTORY_TAG]
    if (raw === undefined) return []
    try { return JSON.parse(raw) as AliasChange[] } catch { return [] }
  }

  async function recordAlias (name: string, alias: string, from: string | null, to: string | null): Promise<void> {
    const value = appendHistory(await readHistory(name), { at: new Date().toISOString(), model: name, alias, from, to })
    await api(() => client.call('POST', 'registered-models/set-tag', { name, key: HISTORY_TAG, value }), { name })
  }

  /** MLflow answers an alias with the whole model version: its identity comes with it. */
  async function resolveAlias (name: string, alias: string) {
    checkModelName(name)
    const mv = await api(async () => (await client.get<{ model_version: MlflowVersion }>('registered-models/alias', { name, alias })).model_version, { name, alias })
    return { version: String(mv.version), identity: versionIdentity(mv, tagsOf(mv.tags)[SHA_TAG]) }
  }

  const backend: RegistryBackend = {
    kind: 'mlflow',
    location: client.trackingUri,
    async describe () {
      const page = await api(() => client.get<{ registered_models?: unknown[], next_page_token?: string }>('registered-models/search', { max_results: 1000 }))
      return { tracking_uri: client.trackingUri, models: page.registered_models?.length ?? 0, more: page.next_page_token !== undefined }
    },
    async listModels (): Promise<RegisteredModel[]> {
      const models = await searchAll<MlflowModel>('registered-models/search', 'registered_models', { max_results: 1000 })
      return Promise.all(models.map(async (m) => {
        const versions = await searchVersions(m.name)
        const latest = versions.map((v) => Number(v.version)).reduce((a, b) => Math.max(a, b), 0)
        return {
          name: m.name,
          latest_version: latest === 0 ? null : String(latest),
          aliases: Object.fromEntries((m.aliases ?? []).map((a) => [a.alias, String(a.version)])),
          versions: versions.length
        }
      }))
    },
    async listVersions (name) {
      const model = await getModel(name)
      const versions = (await searchVersions(name)).sort((a, b) => Number(a.version) - Number(b.version))
      return Promise.all(versions.map((v) => toVersion(v, aliasesOf(model, String(v.version)))))
    },
    async getVersion (name, version) {
      return toVersion(await getMlflowVersion(name, version))
    },
    async createVersion (name, v: NewVersion) {
      checkModelName(name)
      await validateModelArtifact(v.onnx, v.metadata)
      const sha = sha256(v.onnx)
      try {
        await client.call('POST', 'registered-models/create', { name })
      } catch (err) {
        if (!(err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw translate(err, { name })
      }
      const experiment = await ensureExperiment()
      const { run } = await api(() => client.call<{ run: MlflowRun }>('POST', 'runs/create', {
        experiment_id: experiment,
        run_name: `register-${name}`,
        start_time: Date.now(),
        tags: [{ key: 'gateway.model', value: name }, { key: 'gateway.source', value: v.source ?? 'gateway' }]
      }))
      const runId = run.info.run_id
      try {
        const now = Date.now()
        await api(() => client.call('POST', 'runs/log-batch', {
          run_id: runId,
          metrics: Object.entries(v.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })),
          params: Object.entries(v.params ?? {}).map(([key, value]) => ({ key, value: (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 6000) }))
        }))
        const modelPath = `${await artifacts.proxyPath(run.info.artifact_uri, { name, version: '(new)' })}/model`
        const metadata = { ...v.metadata, sha256: sha }
        await client.putArtifact(`${modelPath}/model.onnx`, v.onnx)
        await client.putArtifact(`${modelPath}/metadata.json`, Buffer.from(JSON.stringify(metadata, null, 2) + '\n'))
        await client.putArtifact(`${modelPath}/MLmodel`, Buffer.from(mlmodelYaml(runId, v.onnx.byteLength, metadata)))
        await api(() => client.call('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() }))
      } catch (err) {
        await client.call('POST', 'runs/update', { run_id: runId, status: 'FAILED', end_time: Date.now() }).catch(() => {})
        throw translate(err, { name })
      }
      const { model_version: created } = await api(() => client.call<{ model_version: MlflowVersion }>('POST', 'model-versions/create', {
        name,
        source: `${run.info.artifact_uri.replace(/\/+$/, '')}/model`,
        run_id: runId,
        tags: [{ key: SHA_TAG, value: sha }, ...Object.entries(v.tags ?? {}).map(([key, value]) => ({ key, value }))]
      }), { name })
      return toVersion(created, [])
    },
    async setAlias (name, alias, version) {
      checkModelName(name)
      return locked(name, async () => {
        const from = await aliasOrNull(name, alias)
        await api(() => client.call('POST', 'registered-models/alias', { name, alias, version }), { name, version, alias })
        await recordAlias(name, alias, from, version)
        return from
      })
    },
    async deleteAlias (name, alias) {
      checkModelName(name)
      return locked(name, async () => {
        const from = await backend.getAlias(name, alias)
        await api(() => client.call('DELETE', 'registered-models/alias', { name, alias }), { name, alias })
        await recordAlias(name, alias, from, null)
        return from
      })
    },
    getAlias: async (name, alias) => (await resolveAlias(name, alias)).version,
    resolveAlias,
    async versionIdentity (name, version) {
      const mv = await getMlflowVersion(name, version)
      return versionIdentity(mv, tagsOf(mv.tags)[SHA_TAG])
    },
    aliasHistory: (name) => readHistory(name),
    async setStage (name, version, stage) {
      if (!(STAGES as readonly string[]).includes(stage)) throw new BadRequestError(`stage must be one of ${STAGES.join(', ')}`)
      await getMlflowVersion(name, version)
      const { model_version: mv } = await api(() => client.call<{ model_version: MlflowVersion }>('POST', 'model-versions/transition-stage', {
        name, version, stage, archive_existing_versions: false
      }), { name, version })
      return toVersion(mv)
    },
    async fetchArtifact (name, version) {
      const mv = await getMlflowVersion(name, version)
      const expected = tagsOf(mv.tags)[SHA_TAG]
      return artifacts.fetch({ name, version }, mv, expected)
    },
    close: () => client.close()
  }
  return backend
}
