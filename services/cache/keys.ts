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
