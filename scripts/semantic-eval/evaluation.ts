// The semantic cache measured on a labelled corpus of prompt pairs (test/fixtures/semantic-cache/
// pairs.jsonl): paraphrases that should hit and near misses that must not. Each pair goes through the
// gateway's own decision: prompt `a` is stored in a semantic store, prompt `b` looks it up
// (cosine >= threshold in the vector index, then the lexical guard). Embedders are the gateway's own:
// the ONNX encoder folder (EMBED_ONNX_DIR) or Ollama's /api/embed through the Ollama client.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createOnnxEncoder, type Embedder } from '../../services/cache/semantic/onnx-encoder.js'
import { createOllamaClient } from '../../services/llm/ollama-client.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { ollamaEmbedder } from '../../services/cache/semantic/semantic-cache.js'
import { compareForCache, type GuardReason } from '../../services/cache/semantic/guard.js'
import { createSemanticStore } from '../../services/cache/semantic/store.js'

export interface Pair { id: string, category: string, label: 'hit' | 'miss', a: string, b: string }

export interface Decision {
  id: string
  category: string
  label: 'hit' | 'miss'
  score: number
  /** Why the guard vetoed the pair (whatever the score), or null when it lets it through. */
  veto: GuardReason | null
  hit: boolean
}

export const CORPUS = join(projectRoot, 'test', 'fixtures', 'semantic-cache', 'pairs.jsonl')

export function loadPairs (file = CORPUS): Pair[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Pair)
}

/**
 * The fixed held-out part (about 30 %): chosen by a hash of the pair's id, so it does not depend on
 * the order of the file and a pair never changes side when others are added.
 */
export function isHoldout (id: string): boolean {
  let h = 0x811c9dc5
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0
  return h % 10 < 3
}

export type Part = 'tuning' | 'holdout' | 'all'

export const partOf = (pairs: Pair[], part: Part) => part === 'all' ? pairs : pairs.filter((p) => isHoldout(p.id) === (part === 'holdout'))

/** Every distinct prompt embedded once, in batches. */
export async function embedAll (embedder: Embedder, pairs: Pair[], batch = 32): Promise<Map<string, Float32Array>> {
  const texts = [...new Set(pairs.flatMap((p) => [p.a, p.b]))]
  const out = new Map<string, Float32Array>()
  for (let i = 0; i < texts.length; i += batch) {
    const chunk = texts.slice(i, i + batch)
    const vectors = await embedder.embed(chunk)
    chunk.forEach((t, j) => out.set(t, vectors[j]))
  }
  return out
}

/**
 * The gateway's decision for every pair at one threshold: `a` is remembered, `b` is looked up, in a
 * scope of its own. The score is the index's cosine, and the veto the guard's verdict (reported
 * even when the score alone would miss, so that a threshold sweep needs no second pass).
 */
export function decide (pairs: Pair[], vectors: Map<string, Float32Array>, opts: { threshold: number, minWords: number }): Decision[] {
  // The store searches down to NEAR_MISS_BAND below the threshold; -1 as the threshold makes it
  // report every score, and a second store at the real threshold gives the real decision.
  const scores = createSemanticStore({ threshold: -1, maxEntries: pairs.length, ttlMs: Infinity, minWords: opts.minWords, candidates: 1 })
  const store = createSemanticStore({ threshold: opts.threshold, maxEntries: pairs.length, ttlMs: Infinity, minWords: opts.minWords, candidates: 1 })
  return pairs.map((p) => {
    const entry = { id: p.id, scope: p.id, prompt: p.a, response: null, vector: vectors.get(p.a) as Float32Array, createdAt: 0, responseTimeMs: 0 }
    store.put(entry)
    scores.put(entry)
    const vb = vectors.get(p.b) as Float32Array
    const real = store.lookup(p.id, p.b, vb)
    const all = scores.lookup(p.id, p.b, vb)
    const score = all.hit ? all.score : (all.best as number)
    const verdict = compareForCache(p.b, p.a, opts.minWords)
    return { id: p.id, category: p.category, label: p.label, score, veto: verdict.ok ? null : verdict.reason, hit: real.hit }
  })
}

/** The decision at another threshold, from the recorded score and veto (what `decide` would return). */
export const hitAt = (d: Decision, threshold: number) => d.veto === null && d.score >= threshold

export interface CategoryRow { category: string, label: 'hit' | 'miss', pairs: number, hits: number, aboveThreshold: number, vetoed: Partial<Record<GuardReason, number>> }

export interface Summary {
  threshold: number
  rows: CategoryRow[]
  paraphrases: number
  paraphraseHits: number
  nearMisses: number
  falseHits: number
  paraphraseHitRate: number
  falseHitRate: number
}

export function summarize (decisions: Decision[], threshold: number): Summary {
  const rows = new Map<string, CategoryRow>()
  for (const d of decisions) {
    let row = rows.get(d.category)
    if (row === undefined) {
      row = { category: d.category, label: d.label, pairs: 0, hits: 0, aboveThreshold: 0, vetoed: {} }
      rows.set(d.category, row)
    }
    row.pairs++
    const above = d.score >= threshold
    if (above) row.aboveThreshold++
    if (above && d.veto !== null) row.vetoed[d.veto] = (row.vetoed[d.veto] ?? 0) + 1
    if (hitAt(d, threshold)) row.hits++
  }
  const list = [...rows.values()].sort((x, y) => x.label.localeCompare(y.label) || x.category.localeCompare(y.category))
  const sum = (label: 'hit' | 'miss', f: (r: CategoryRow) => number) => list.filter((r) => r.label === label).reduce((s, r) => s + f(r), 0)
  const paraphrases = sum('hit', (r) => r.pairs)
  const paraphraseHits = sum('hit', (r) => r.hits)
  const nearMisses = sum('miss', (r) => r.pairs)
  const falseHits = sum('miss', (r) => r.hits)
  return {
    threshold,
    rows: list,
    paraphrases,
    paraphraseHits,
    nearMisses,
    falseHits,
    paraphraseHitRate: paraphrases === 0 ? 0 : paraphraseHits / paraphrases,
    falseHitRate: nearMisses === 0 ? 0 : falseHits / nearMisses
  }
}

/** Share of pairs on which two embedders' decisions are the same (hit or not), at their thresholds. */
export function agreement (x: Decision[], y: Decision[], tx: number, ty = tx): { agree: number, pairs: number, rate: number, differing: string[] } {
  const byId = new Map(y.map((d) => [d.id, d]))
  const differing: string[] = []
  let agree = 0
  for (const d of x) {
    const other = byId.get(d.id)
    if (other === undefined) continue
    if (hitAt(d, tx) === hitAt(other, ty)) agree++
    else differing.push(d.id)
  }
  const pairs = agree + differing.length
  return { agree, pairs, rate: pairs === 0 ? 0 : agree / pairs, differing }
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`

/** A Markdown table: per category the pairs, the hits (false hits for near misses) and the guard's vetoes. */
export function formatTable (s: Summary, title: string): string {
  const lines = [
    `${title} (threshold ${s.threshold})`,
    '',
    '| category | label | pairs | cosine >= threshold | vetoed by the guard | hits |',
    '|---|---|---:|---:|---|---:|'
  ]
  for (const r of s.rows) {
    const vetoes = Object.entries(r.vetoed).map(([k, v]) => `${k} ${v}`).join(', ')
    lines.push(`| ${r.category} | ${r.label === 'hit' ? 'paraphrase' : 'near miss'} | ${r.pairs} | ${r.aboveThreshold} | ${vetoes === '' ? '-' : vetoes} | ${r.hits}${r.label === 'miss' && r.hits > 0 ? ' (false)' : ''} |`)
  }
  lines.push('', `paraphrase hits ${s.paraphraseHits}/${s.paraphrases} = ${pct(s.paraphraseHitRate)}; false hits ${s.falseHits}/${s.nearMisses} = ${pct(s.falseHitRate)}`)
  return lines.join('\n')
}

/** Paraphrase-hit and false-hit rates over a range of thresholds (the guard applied throughout). */
export function sweep (decisions: Decision[], thresholds: number[]): Array<{ threshold: number, paraphraseHitRate: number, falseHitRate: number, falseHits: number }> {
  return thresholds.map((t) => {
    const s = summarize(decisions, t)
    return { threshold: t, paraphraseHitRate: s.paraphraseHitRate, falseHitRate: s.falseHitRate, falseHits: s.falseHits }
  })
}

export const DEFAULT_ONNX_DIR = join(projectRoot, '.cache', 'models', 'all-minilm-onnx')

export type EmbedderSpec = { kind: 'onnx', dir: string } | { kind: 'ollama', url: string, model: string }

/** The gateway's embedder for a spec, with a close(). */
export async function openEmbedder (spec: EmbedderSpec): Promise<Embedder & { close: () => Promise<void> }> {
  if (spec.kind === 'onnx') return await createOnnxEncoder(spec.dir)
  const client = createOllamaClient({ url: spec.url, connectTimeoutMs: 5000, firstByteTimeoutMs: 120_000, idleTimeoutMs: 120_000, embedTimeoutMs: 120_000, breakerThreshold: 5, breakerCoolDownMs: 1000 })
  return { ...ollamaEmbedder(() => client, spec.model), close: () => client.close() }
}

export interface Evaluation { source: string, decisions: Decision[], embedMs: number }

/** Embeds the corpus with one embedder and decides every pair at the threshold. */
export async function evaluate (spec: EmbedderSpec, pairs: Pair[], opts: { threshold: number, minWords: number }): Promise<Evaluation> {
  const embedder = await openEmbedder(spec)
  try {
    const start = performance.now()
    const vectors = await embedAll(embedder, pairs)
    const embedMs = performance.now() - start
    const decisions = decide(pairs, vectors, opts)
    // The recorded score and veto must reproduce the store's own decision, or the sweep would lie.
    const off = decisions.filter((d) => d.hit !== hitAt(d, opts.threshold))
    if (off.length > 0) throw new Error(`the semantic store decided ${off.map((d) => d.id).join(', ')} otherwise than score + guard`)
    return { source: embedder.source, decisions, embedMs }
  } finally {
    await embedder.close()
  }
}

const PARTS: Part[] = ['tuning', 'holdout', 'all']

/** The tables of every embedder and corpus part, the threshold sweep, and the embedders' agreement. */
export function report (evaluations: Evaluation[], pairs: Pair[], threshold: number, sweepAt: number[] = []): string {
  const out: string[] = []
  const ids = (part: Part) => new Set(partOf(pairs, part).map((p) => p.id))
  for (const e of evaluations) {
    for (const part of PARTS) {
      const keep = ids(part)
      out.push(formatTable(summarize(e.decisions.filter((d) => keep.has(d.id)), threshold), `${e.source}, ${part} part (${keep.size} pairs)`), '')
    }
    if (sweepAt.length > 0) {
      out.push(`${e.source}, tuning part: threshold sweep (guard applied)`, '', '| threshold | paraphrase hits | false hits |', '|---:|---:|---:|')
      const keep = ids('tuning')
      for (const r of sweep(e.decisions.filter((d) => keep.has(d.id)), sweepAt)) out.push(`| ${r.threshold.toFixed(2)} | ${pct(r.paraphraseHitRate)} | ${r.falseHits} (${pct(r.falseHitRate)}) |`)
      out.push('')
    }
  }
  for (let i = 0; i + 1 < evaluations.length; i++) {
    const [x, y] = [evaluations[i], evaluations[i + 1]]
    out.push(`agreement of ${x.source} and ${y.source} (same decision, threshold ${threshold}):`)
    for (const part of PARTS) {
      const keep = ids(part)
      const a = agreement(x.decisions.filter((d) => keep.has(d.id)), y.decisions.filter((d) => keep.has(d.id)), threshold)
      out.push(`  ${part}: ${a.agree}/${a.pairs} = ${pct(a.rate)}${part === 'tuning' && a.differing.length > 0 ? ` (differing: ${a.differing.join(', ')})` : ''}`)
    }
    out.push('')
  }
  return out.join('\n')
}
