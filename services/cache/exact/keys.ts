// Cache keys: a namespace plus a digest of the canonical JSON of everything the answer depends on.
import { createHash } from 'node:crypto'

/** JSON with object keys sorted and -0 written as 0, so equal inputs give equal keys. */
export function canonicalJson (value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && Object.is(v, -0)) return 0
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    }
    return v
  })
}

export function cacheKey (namespace: string, parts: unknown): string {
  return `${namespace}:${createHash('sha256').update(canonicalJson(parts)).digest('hex')}`
}

/**
 * A key for a few short, ordered values (a model, its version and digest, four features): their JSON
 * array as is. It needs neither key sorting nor a digest, which cost more than the lookup itself on
 * the classify path. JSON writes -0 as 0, like canonicalJson.
 */
export function plainKey (namespace: string, parts: ReadonlyArray<string | number>): string {
  return `${namespace}:${JSON.stringify(parts)}`
}

/**
 * Whether a generation may be answered from the exact cache: only when the same request gives the
 * same answer, i.e. temperature 0 or a fixed seed (Ollama's seed default -1 means random).
 * Ollama's own default temperature (0.8) applies when none is sent, so "absent" is not deterministic.
 */
export function isDeterministic (options: { temperature?: number, seed?: number } | undefined): boolean {
  return options?.temperature === 0 || (options?.seed !== undefined && options.seed !== -1)
}
