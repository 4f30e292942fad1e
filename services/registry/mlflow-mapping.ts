// MLflow's REST shapes and how they map to the gateway's: error answers to coded errors, tags and
// params to plain values, and the alias history kept in a registered-model tag (MLflow keeps none).
import {
  BadRequestError, RegistryAliasNotFoundError, RegistryModelNotFoundError, RegistryVersionNotFoundError,
  UpstreamBadResponseError, UpstreamTimeoutError, UpstreamUnavailableError
} from '../lib/errors.js'
import { MlflowApiError } from './mlflow-client.js'
import type { AliasChange } from './types.js'

export interface KeyValue { key: string, value: string }
export interface MlflowVersion {
  name: string
  version: string
  creation_timestamp?: number
  current_stage?: string
  source?: string
  run_id?: string
  model_id?: string
  status?: string
  tags?: KeyValue[]
  aliases?: string[]
}
export interface MlflowModel { name: string, latest_versions?: MlflowVersion[], aliases?: Array<{ alias: string, version: string }>, tags?: KeyValue[] }
export interface MlflowRun { info: { run_id: string, artifact_uri: string }, data?: { metrics?: KeyValue[], params?: KeyValue[] } }

export interface ErrorContext { name?: string, version?: string, alias?: string }

export const HISTORY_TAG = 'gateway.alias_history'
const HISTORY_MAX_CHARS = 90_000 // MLflow caps a tag value at 100 000 characters
export const SHA_TAG = 'sha256'

export const tagsOf = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.key, t.value]))

/** A run parameter back to the value logged: numbers, booleans and JSON stay typed. */
export function paramValue (value: string): unknown {
  try { return JSON.parse(value) } catch { return value }
}

/** The history with `change` appended, as the tag's value: oldest changes dropped to fit MLflow's cap. */
export function appendHistory (history: AliasChange[], change: AliasChange): string {
  const all = [...history, change]
  let value = JSON.stringify(all)
  while (value.length > HISTORY_MAX_CHARS && all.length > 1) { all.shift(); value = JSON.stringify(all) }
  return value
}

/** MLflow's error answers as the gateway's errors, with the names the caller asked about. */
export function translateMlflowError (err: unknown, ctx: ErrorContext, upstream: string, timeoutMs: number): Error {
  if (!(err instanceof MlflowApiError)) return err as Error
  const detail = `${err.errorCode}: ${err.message}`
  if (err.errorCode === 'RESOURCE_DOES_NOT_EXIST' || err.status === 404) {
    if (/model version/i.test(err.message) && ctx.name !== undefined) return new RegistryVersionNotFoundError(ctx.name, ctx.version ?? '?')
    if (/registered model/i.test(err.message) && ctx.name !== undefined) return new RegistryModelNotFoundError(ctx.name)
    return new UpstreamBadResponseError(upstream, detail)
  }
  // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE; it is a missing resource: 404.
  if (/alias .* not found/i.test(err.message) && ctx.name !== undefined) return new RegistryAliasNotFoundError(ctx.name, ctx.alias ?? '?')
  if (err.status === 400) return new BadRequestError(`MLflow refused the request: ${detail}`)
  if (err.status === 503) return new UpstreamUnavailableError(upstream, detail)
  if (err.status === 504) return new UpstreamTimeoutError(upstream, timeoutMs)
  return new UpstreamBadResponseError(upstream, `HTTP ${err.status} ${detail}`)
}
