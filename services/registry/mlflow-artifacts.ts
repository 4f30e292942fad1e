// MLflow's model layout from both sides: the MLmodel the gateway writes for a version it registers,
// and the artifact cache that finds a version's files (whatever client registered it), downloads them
// once into a local directory (a temp directory renamed into place) and checks their sha256 before
// every load; a cached copy that no longer matches is downloaded again.
import { randomUUID } from 'node:crypto'
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import YAML from 'yaml'
import { RegistryIntegrityError } from '../lib/errors.js'
import { sha256 } from '../inference/onnx-models.js'
import type { MlflowClient } from './mlflow-client.js'

interface Ctx { name: string, version: string }
interface MlflowRun { info: { artifact_uri: string } }
/** Where a version came from, as MLflow's model-version JSON says. */
export interface VersionOrigin { run_id?: string, source?: string }

export function createArtifactAccess (deps: {
  client: MlflowClient
  /** Runs an MLflow call, mapping MLflow's errors to the gateway's (with the names asked about). */
  api: <T>(fn: () => Promise<T>, ctx?: Ctx) => Promise<T>
  cacheDir: string
  log?: { warn: (o: object, msg: string) => void }
}) {
  const { client, api } = deps
  const downloads = new Map<string, Promise<string>>()

  /** The artifact-proxy path of an artifact URI MLflow hands out (get-download-uri, run artifact_uri). */
  async function proxyPath (uri: string, ctx: { name: string, version: string }): Promise<string> {
    const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/.exec(uri)
    if (proxied !== null) return proxied[1].replace(/\/+$/, '')
    const run = /^runs:\/([^/]+)\/?(.*)$/.exec(uri)
    if (run !== null) {
      const { run: r } = await api(() => client.get<{ run: MlflowRun }>('runs/get', { run_id: run[1] }))
      return proxyPath(`${r.info.artifact_uri.replace(/\/+$/, '')}/${run[2]}`, ctx)
    }
    const logged = /^models:\/(m-[0-9a-f]+)\/?$/.exec(uri)
    if (logged !== null) {
      const { model } = await api(() => client.get<{ model: { info: { artifact_uri: string } } }>(`logged-models/${logged[1]}`))
      return proxyPath(model.info.artifact_uri, ctx)
    }
    throw new RegistryIntegrityError(ctx.name, ctx.version, `artifact URI '${uri}' is not served by MLflow's artifact proxy; start mlflow server with --serve-artifacts (the default) and a mlflow-artifacts:/ root`)
  }

  const cachePath = (name: string, version: string) => join(deps.cacheDir, encodeURIComponent(name), version)

  async function cachedCopy (dir: string, expected: string | undefined): Promise<boolean> {
    let bytes: Buffer
    let recorded: string | undefined
    try {
      bytes = await readFile(join(dir, 'model.onnx'))
      recorded = (JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as { sha256?: string }).sha256
    } catch {
      return false
    }
    const actual = sha256(bytes)
    if (actual === (expected ?? recorded)) return true
    deps.log?.warn({ dir, actual, expected: expected ?? recorded }, 'cached MLflow artifact does not match its sha256; downloading it again')
    await rm(dir, { recursive: true, force: true })
    return false
  }

  async function download (name: string, version: string, mv: VersionOrigin, expected: string | undefined, dir: string): Promise<string> {
    const ctx = { name, version }
    const { artifact_uri: uri } = await api(() => client.get<{ artifact_uri: string }>('model-versions/get-download-uri', { name, version }), ctx)
    const root = await proxyPath(uri, ctx)
    const files = await api(() => client.listArtifacts(root), ctx)
    if (files.length === 0) throw new RegistryIntegrityError(name, version, `no artifact files at ${uri}`)
    const tmp = join(dirname(dir), `.tmp-${randomUUID()}`)
    await mkdir(tmp, { recursive: true })
    try {
      for (const f of files) {
        if (f.split('/').some((seg) => seg === '..' || seg === '')) throw new RegistryIntegrityError(name, version, `unsafe artifact path '${f}'`)
        await mkdir(dirname(join(tmp, f)), { recursive: true })
        await writeFile(join(tmp, f), await api(() => client.getArtifact(`${root}/${f}`), ctx))
      }
      // MLmodel names the ONNX file (flavors.onnx.data); the model store reads model.onnx.
      const mlmodel = files.includes('MLmodel') ? YAML.parse(await readFile(join(tmp, 'MLmodel'), 'utf8')) as Record<string, any> : {}
      const flavors = Object.keys(mlmodel.flavors ?? {})
      if (mlmodel.flavors !== undefined && mlmodel.flavors.onnx === undefined) {
        throw new RegistryIntegrityError(name, version, `not an ONNX model (MLmodel flavors: ${flavors.join(', ')}); log it with mlflow.onnx.log_model`)
      }
      const data = String(mlmodel.flavors?.onnx?.data ?? 'model.onnx')
      if (!files.includes(data)) throw new RegistryIntegrityError(name, version, `the artifact has no ${data} (files: ${files.join(', ')})`)
      if (data !== 'model.onnx') await copyFile(join(tmp, data), join(tmp, 'model.onnx'))
      const actual = sha256(await readFile(join(tmp, 'model.onnx')))
      if (expected !== undefined && actual !== expected) {
        throw new RegistryIntegrityError(name, version, `artifact sha256 ${actual} does not match the registered ${expected}`)
      }
      if (!files.includes('metadata.json')) {
        // Registered by another MLflow client: MLmodel's `metadata` (e.g. classes, feature_names) is what it told us.
        const meta = typeof mlmodel.metadata === 'object' && mlmodel.metadata !== null ? mlmodel.metadata : {}
        await writeFile(join(tmp, 'metadata.json'), JSON.stringify({
          ...meta, sha256: actual, mlflow: { run_id: mv.run_id ?? null, model_id: mlmodel.model_id ?? null, mlflow_version: mlmodel.mlflow_version ?? null, source: mv.source ?? null }
        }, null, 2) + '\n')
      }
      await rm(dir, { recursive: true, force: true })
      await rename(tmp, dir)
      return dir
    } catch (err) {
      await rm(tmp, { recursive: true, force: true })
      throw err
    }
  }

  return {
    proxyPath,
    /** A local directory with the version's model.onnx (sha256-checked against `expected`, when known) and metadata.json. */
    fetch (ctx: Ctx, mv: VersionOrigin, expected: string | undefined): Promise<string> {
      const dir = cachePath(ctx.name, ctx.version)
      const key = `${ctx.name}/${ctx.version}`
      let p = downloads.get(key)
      if (p === undefined) {
        p = (async () => (await cachedCopy(dir, expected)) ? dir : download(ctx.name, ctx.version, mv, expected, dir))().finally(() => downloads.delete(key))
        downloads.set(key, p)
      }
      return p
    }
  }
}

/** MLflow's MLmodel for the onnx flavor (with python_function, so mlflow.pyfunc.load_model works too). */
export function mlmodelYaml (runId: string, size: number, meta: Record<string, unknown>): string {
  const doc: Record<string, unknown> = {
    artifact_path: 'model',
    flavors: {
      onnx: { code: null, data: 'model.onnx', onnx_session_options: null, providers: ['CPUExecutionProvider'] },
      python_function: { data: 'model.onnx', loader_module: 'mlflow.onnx' }
    },
    metadata: { classes: meta.classes, feature_names: meta.feature_names, sha256: meta.sha256 },
    model_size_bytes: size,
    model_uuid: randomUUID().replaceAll('-', ''),
    run_id: runId,
    utc_time_created: new Date().toISOString().replace('T', ' ').replace('Z', '')
  }
  const features = meta.feature_names as string[] | undefined
  const classes = meta.classes as string[] | undefined
  const outputs = meta.output_names as { label?: string, probabilities?: string } | undefined
  if (typeof meta.input_name === 'string' && features !== undefined && classes !== undefined) {
    // Signatures are JSON strings inside the YAML.
    doc.signature = {
      inputs: JSON.stringify([{ name: meta.input_name, type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, features.length] } }]),
      outputs: JSON.stringify([
        ...(outputs?.label === undefined ? [] : [{ name: outputs.label, type: 'tensor', 'tensor-spec': { dtype: 'int64', shape: [-1] } }]),
        ...(outputs?.probabilities === undefined ? [] : [{ name: outputs.probabilities, type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, classes.length] } }])
      ]),
      params: null
    }
  }
  return YAML.stringify(doc)
}
