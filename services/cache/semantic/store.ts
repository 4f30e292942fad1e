// The semantic cache's entries: one vector index per scope (model, sampling options, system prompt,
// embedder), a global LRU bound, a TTL, and the lexical guard on every candidate. Plain module; the
// semanticCache plugin adds embeddings and Redis sharing around it.
import { compareForCache, type GuardReason } from './guard.js'
import { createVectorIndex, type VectorIndexOptions, type VectorIndex } from './vector-index.js'

export interface SemanticEntry {
  id: string
  scope: string
  prompt: string
  /** The cached answer, as JSON-able data. */
  response: unknown
  vector: Float32Array
  createdAt: number
  /** How long the answer took to produce: the time a hit saves. */
  responseTimeMs: number
}

/** An entry as held: its vector lives only in the scope's index (one copy per entry, not two). */
export type HeldEntry = Omit<SemanticEntry, 'vector'> & { slot: number }

export type Lookup =
  | { hit: true, entry: HeldEntry, score: number, rejected: GuardReason[] }
  | { hit: false, best: number | null, rejected: GuardReason[] }

export interface SemanticStoreOptions {
  threshold: number
  maxEntries: number
  ttlMs: number
  minWords: number
  /** Candidates checked per lookup; later ones are used when the guard vetoes earlier ones. */
  candidates?: number
  index?: Omit<VectorIndexOptions, 'dims'>
  now?: () => number
}

const NEAR_MISS_BAND = 0.05

export function createSemanticStore (opts: SemanticStoreOptions) {
  const now = opts.now ?? Date.now
  const k = opts.candidates ?? 4
  // Insertion order is recency order: a hit moves its entry to the end; eviction takes the front.
  const entries = new Map<string, HeldEntry>()
  const scopes = new Map<string, { index: VectorIndex, bySlot: Map<number, string> }>()

  const expired = (e: { createdAt: number }) => now() - e.createdAt >= opts.ttlMs

  function remove (id: string): boolean {
    const e = entries.get(id)
    if (e === undefined) return false
    entries.delete(id)
    const s = scopes.get(e.scope)
    if (s !== undefined) {
      s.index.remove(e.slot)
      s.bySlot.delete(e.slot)
      if (s.index.size === 0) scopes.delete(e.scope)
    }
    return true
  }

  /** Adds (or replaces) an entry; returns the ids evicted to stay within maxEntries. */
  function put (entry: SemanticEntry): string[] {
    if (expired(entry)) return []
    remove(entry.id)
    let s = scopes.get(entry.scope)
    if (s === undefined) {
      s = { index: createVectorIndex({ ...opts.index, dims: entry.vector.length }), bySlot: new Map() }
      scopes.set(entry.scope, s)
    }
    const { vector, ...held } = entry
    const slot = s.index.add(vector)
    s.bySlot.set(slot, entry.id)
    entries.set(entry.id, { ...held, slot })
    const evicted: string[] = []
    for (const id of entries.keys()) {
      if (entries.size <= opts.maxEntries) break
      remove(id)
      evicted.push(id)
    }
    return evicted
  }

  function lookup (scope: string, prompt: string, vector: Float32Array): Lookup {
    const s = scopes.get(scope)
    const rejected: GuardReason[] = []
    if (s === undefined) return { hit: false, best: null, rejected }
    // One search down to a little below the threshold: the near misses feed the similarity
    // histogram (for tuning the threshold) at the cost of a slightly wider SimHash screen.
    const matches = s.index.search(vector, k, opts.threshold - NEAR_MISS_BAND)
    for (const m of matches) {
      if (m.score < opts.threshold) break
      const id = s.bySlot.get(m.slot) as string
      const e = entries.get(id) as HeldEntry
      if (expired(e)) { remove(id); continue }
      const verdict = compareForCache(prompt, e.prompt, opts.minWords)
      if (!verdict.ok) { rejected.push(verdict.reason); continue }
      entries.delete(id)
      entries.set(id, e)
      return { hit: true, entry: e, score: m.score, rejected }
    }
    return { hit: false, best: matches[0]?.score ?? null, rejected }
  }

  /** Drops expired entries; returns their ids. */
  function sweep (): string[] {
    const gone: string[] = []
    for (const e of entries.values()) if (expired(e)) gone.push(e.id)
    for (const id of gone) remove(id)
    return gone
  }

  return {
    put,
    lookup,
    remove,
    sweep,
    has: (id: string) => entries.has(id),
    /** Every live entry with a copy of its vector (for sharing; not on the request path). */
    all (): SemanticEntry[] {
      const out: SemanticEntry[] = []
      for (const { slot, ...e } of entries.values()) {
        const s = scopes.get(e.scope)
        if (s !== undefined && !expired(e)) out.push({ ...e, vector: s.index.vector(slot).slice() })
      }
      return out
    },
    /** Re-partitions every scope for its current size (after a bulk load). */
    reindex: async () => { await Promise.all([...scopes.values()].map((s) => s.index.rebuild())) },
    get size () { return entries.size },
    get scopes () { return scopes.size },
    clear () { entries.clear(); scopes.clear() }
  }
}

export type SemanticStore = ReturnType<typeof createSemanticStore>
