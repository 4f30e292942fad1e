// The registry interface the gateway, the CLI and the retrainer use, with two backends: files under
// models/registry (embedded, the default) and an MLflow tracking server (MLFLOW_TRACKING_URI).
// Field names follow MLflow's model-version JSON where one exists.

export interface RegistryVersion {
  name: string
  version: string
  created_at: string
  sha256: string
  /** Legacy MLflow stage (None, Staging, Production, Archived); aliases replace it. */
  stage: string
  source: string
  metrics: Record<string, number>
  params: Record<string, unknown>
  tags: Record<string, string>
  aliases: string[]
}

export interface RegisteredModel {
  name: string
  latest_version: string | null
  aliases: Record<string, string>
  versions: number
}

export interface AliasChange {
  at: string
  model: string
  alias: string
  from: string | null
  to: string | null
}

export interface NewVersion {
  onnx: Uint8Array
  /** metadata.json as written next to model.onnx (classes, feature names, output names...). */
  metadata: Record<string, unknown>
  metrics?: Record<string, number>
  params?: Record<string, unknown>
  tags?: Record<string, string>
  source?: string
}

export interface RegistryBackend {
  readonly kind: 'embedded' | 'mlflow'
  /** Where the registry lives: the embedded root directory as a file: URL, or MLflow's tracking URI. */
  readonly location: string
  /** A live check for /health: throws when the registry cannot be read. */
  describe: () => Promise<Record<string, unknown>>
  listModels: () => Promise<RegisteredModel[]>
  listVersions: (name: string) => Promise<RegistryVersion[]>
  getVersion: (name: string, version: string) => Promise<RegistryVersion>
  createVersion: (name: string, v: NewVersion) => Promise<RegistryVersion>
  /** Returns the version the alias pointed at before (null if new). */
  setAlias: (name: string, alias: string, version: string) => Promise<string | null>
  deleteAlias: (name: string, alias: string) => Promise<string>
  getAlias: (name: string, alias: string) => Promise<string>
  /**
   * The alias's version and what identifies that version's bytes (a backend whose versions can be
   * deleted and re-created under the same number has them: MLflow). Without it, the version is the identity.
   */
  resolveAlias?: (name: string, alias: string) => Promise<{ version: string, identity: string }>
  versionIdentity?: (name: string, version: string) => Promise<string>
  aliasHistory: (name: string) => Promise<AliasChange[]>
  setStage: (name: string, version: string, stage: string) => Promise<RegistryVersion>
  /** A local directory with model.onnx (sha256 verified against the registry) and metadata.json. */
  fetchArtifact: (name: string, version: string) => Promise<string>
  close: () => Promise<void>
}

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const
