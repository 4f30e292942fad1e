// MLflow's model layout from both sides: the MLmodel the gateway writes for a version it registers,
// and the artifact cache that finds a version's files (whatever client registered it), downloads them
// once into a local directory (a temp directory renamed into place) and checks their sha256 before
// every load; a cached copy that no longer matches is downloaded again. Cache entries are keyed by
// what identifies the bytes, not only by name and version (a re-created version is another entry).
// Cache entry: artifact/ (the files as logged), model.onnx (served: the logged one, or without its
// ZipMap node), metadata.json (classes, feature names, output names, both sha256s, MLflow origin).
import { randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import YAML from 'yaml'
import { RegistryIntegrityError } from '../lib/errors.js'
import { sha256 } from '../inference/onnx-models.js'
import type { MlflowClient } from './mlflow-client.js'
import { inspectOnnx, signatureColumns } from './onnx-graph.js'

interface Ctx { name: string, version: string }
interface MlflowRun { info: { artifact_uri: string } }
/** Where a version came from, as MLflow's model-version JSON says. */
export interface VersionOrigin { run_id?: string, source?: string, model_id?: string }
/** The gateway's metadata.json in a cache entry (next to the served model.onnx). */
interface CachedMetadata { sha256: string, artifact_file: string, artifact_sha256: string }

/** Subdirectory of a cache entry holding the files as MLflow stores them. */
const ARTIFACT = 'artifact'

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

  /**
   * One directory per version *and* identity: a version deleted and re-created (or a fresh MLflow
   * behind the same cache) has another run, model id or source, so it never meets the old bytes.
   */
  const cachePath = (name: string, version: string, identity: string) => join(deps.cacheDir, encodeURIComponent(name), `${version}-${identity}`)

  /** The cached copy is good when both the served model.onnx and the downloaded file still hash as recorded. */
  async function cachedCopy (dir: string, expected: string | undefined): Promise<boolean> {
    let meta: CachedMetadata
    let served: Buffer
    let original: Buffer
    try {
      meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')) as CachedMetadata
      served = await readFile(join(dir, 'model.onnx'))
      original = await readFile(join(dir, ARTIFACT, meta.artifact_file))
    } catch {
      return false
    }
    const checks = [[sha256(original), expected ?? meta.artifact_sha256], [sha256(served), meta.sha256]]
    const bad = checks.find(([actual, want]) => actual !== want)
    if (bad === undefined) return true
    deps.log?.warn({ dir, actual: bad[0], expected: bad[1] }, 'cached MLflow artifact does not match its sha256; downloading it again')
    await rm(dir, { recursive: true, force: true })
    return false
  }

  async function download (name: string, version: string, mv: VersionOrigin, expected: string | undefined, dir: string): Promise<string> {
    const ctx = { name, version }
    const { artifact_uri: uri } = await api(() => client.get<{ artifact_uri: string }>('model-versions/get-download-uri', { name, version }), ctx)
    const root = await proxyPath(uri, ctx)
    const files = await api(() => client.listArtifacts(root), ctx)
    if (files.length === 0) throw new RegistryIntegrityError(name, version, `no artifact files at ${uri}`)
    await mkdir(dirname(dir), { recursive: true })
    const tmp = join(dirname(dir), `.tmp-${randomUUID()}`)
    await mkdir(join(tmp, ARTIFACT), { recursive: true })
    try {
      for (const f of files) {
        if (f.split('/').some((seg) => seg === '..' || seg === '')) throw new RegistryIntegrityError(name, version, `unsafe artifact path '${f}'`)
        await mkdir(dirname(join(tmp, ARTIFACT, f)), { recursive: true })
        await writeFile(join(tmp, ARTIFACT, f), await api(() => client.getArtifact(`${root}/${f}`), ctx))
      }
      // MLmodel names the ONNX file (flavors.onnx.data); the model store reads model.onnx.
      const mlmodel = files.includes('MLmodel') ? YAML.parse(await readFile(join(tmp, ARTIFACT, 'MLmodel'), 'utf8')) as Record<string, any> : {}
      const flavors = Object.keys(mlmodel.flavors ?? {})
      if (mlmodel.flavors !== undefined && mlmodel.flavors.onnx === undefined) {
        throw new RegistryIntegrityError(name, version, `not an ONNX model (MLmodel flavors: ${flavors.join(', ')}); log it with mlflow.onnx.log_model`)
      }
      const data = String(mlmodel.flavors?.onnx?.data ?? 'model.onnx')
      if (!files.includes(data)) throw new RegistryIntegrityError(name, version, `the artifact has no ${data} (files: ${files.join(', ')})`)
      const original = await readFile(join(tmp, ARTIFACT, data))
      const actual = sha256(original)
      if (expected !== undefined && actual !== expected) {
        throw new RegistryIntegrityError(name, version, `artifact sha256 ${actual} does not match the registered ${expected}`)
      }
      const { bytes, metadata } = await prepare(name, version, original, mlmodel, files.includes('metadata.json') ? join(tmp, ARTIFACT, 'metadata.json') : null)
      await writeFile(join(tmp, 'model.onnx'), bytes)
      await writeFile(join(tmp, 'metadata.json'), JSON.stringify({
        ...metadata,
        sha256: sha256(bytes),
        artifact_file: data,
        artifact_sha256: actual,
        mlflow: { run_id: mv.run_id ?? null, model_id: mv.model_id ?? mlmodel.model_id ?? null, mlflow_version: mlmodel.mlflow_version ?? null, source: mv.source ?? null }
      }, null, 2) + '\n')
      await rm(dir, { recursive: true, force: true })
      await rename(tmp, dir)
      await dropOtherCopies(dir, version)
      return dir
    } catch (err) {
      await rm(tmp, { recursive: true, force: true })
      throw err
    }
  }

  /**
   * What the gateway serves from what the client logged: the ZipMap node of skl2onnx's default export
   * removed, and the classes and feature names from (in this order) the gateway's metadata.json or
   * MLmodel's `metadata`, the graph's class labels, MLmodel's column signature.
   */
  async function prepare (name: string, version: string, original: Buffer, mlmodel: Record<string, any>, metadataFile: string | null) {
    const metadata: Record<string, unknown> = metadataFile !== null
      ? JSON.parse(await readFile(metadataFile, 'utf8')) as Record<string, unknown>
      : { ...(typeof mlmodel.metadata === 'object' && mlmodel.metadata !== null ? mlmodel.metadata : {}) }
    const graph = inspectOnnx(original)
    const signature = (mlmodel.signature ?? {}) as { inputs?: unknown, outputs?: unknown }
    const signatureClasses = signatureColumns(signature.outputs)
    let source = 'metadata'
    if (!Array.isArray(metadata.classes)) {
      if (graph.classes !== null) {
        metadata.classes = graph.classes
        source = 'graph'
      } else if (signatureClasses !== null && (graph.numClasses === null || signatureClasses.length === graph.numClasses)) {
        metadata.classes = signatureClasses
        source = 'signature'
      } else {
        source = 'none'
        deps.log?.warn({ model: name, version }, 'no class labels in the metadata, the ONNX graph or the MLflow signature: classes are the column numbers')
      }
    }
    if (!Array.isArray(metadata.feature_names)) {
      const columns = signatureColumns(signature.inputs)
      if (columns !== null) metadata.feature_names = columns
    }
    if (graph.zipmapRemoved) metadata.output_names = graph.outputNames
    return { bytes: graph.bytes, metadata: { ...metadata, classes_source: source, zipmap_removed: graph.zipmapRemoved } }
  }

  /** Copies of the same version with another identity (and the pre-identity layout) are stale. */
  async function dropOtherCopies (dir: string, version: string): Promise<void> {
    const parent = dirname(dir)
    for (const entry of await readdir(parent)) {
      if ((entry === version || entry.startsWith(`${version}-`)) && join(parent, entry) !== dir) {
        await rm(join(parent, entry), { recursive: true, force: true })
        deps.log?.warn({ dir: join(parent, entry) }, 'removed a cached MLflow artifact of an earlier model with the same name and version')
      }
    }
  }

  return {
    proxyPath,
    /** A local directory with the version's model.onnx (sha256-checked against `expected`, when known) and metadata.json. */
    fetch (ctx: Ctx, mv: VersionOrigin, expected: string | undefined): Promise<string> {
      const identity = versionIdentity(mv, expected)
      const dir = cachePath(ctx.name, ctx.version, identity)
      let p = downloads.get(dir)
      if (p === undefined) {
        p = (async () => (await cachedCopy(dir, expected)) ? dir : download(ctx.name, ctx.version, mv, expected, dir))().finally(() => downloads.delete(dir))
        downloads.set(dir, p)
      }
      return p
    }
  }
}

/**
 * What identifies a version's bytes: where MLflow says they are (source, run id, logged-model id)
 * and the sha256 tag when the registering client set one. A short hash of them names the cache entry.
 */
export function versionIdentity (mv: VersionOrigin, sha: string | undefined): string {
  return sha256(new TextEncoder().encode(JSON.stringify([mv.source ?? '', mv.run_id ?? '', mv.model_id ?? '', sha ?? '']))).slice(0, 16)
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
