// Lexical checks that veto a semantic-cache candidate the embedding alone would accept.
// Small sentence encoders score opposites as near-duplicates, and no threshold fixes it
// (reference/llm_gateways.md 3.3): "It's not an exchange" vs "It's an exchange" 0.947 on all-MiniLM,
// "turn on dark mode" vs "turn off dark mode" 0.915, "dog bites man" vs "man bites dog" 0.907, and
// questions differing by one number. A veto only costs a miss; a false hit returns a wrong answer.
// Measured on a labelled corpus by npm run semantic:eval (docs/semantic-cache.md).
import { FUNCTION_WORDS, LETTERS, NEGATIONS, NUMBER_WORDS, OPPOSITE_PREFIXES, OPPOSITES, PHRASE_OPENERS, UNITS } from './lexicon.js'

export type GuardReason = 'too_short' | 'language' | 'negation' | 'numbers' | 'units' | 'antonym' | 'entity' | 'word_order'

export type GuardVerdict = { ok: true } | { ok: false, reason: GuardReason, detail: string }

/** Lower-cased word tokens after NFKC; apostrophes dropped so "don't" and "dont" agree. */
export function words (text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/['\u2019]/g, '').match(/[\p{L}\p{N}]+(?:[.,]\d+)*/gu) ?? []
}

/** A light suffix stripper, so that "cats"/"cat" and "rising"/"rise" compare equal. */
export function stem (w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return w.slice(0, -3) + 'y'
  let s = w
  if (s.length > 5 && s.endsWith('ing')) s = s.slice(0, -3)
  else if (s.length > 4 && s.endsWith('ed')) s = s.slice(0, -2)
  else if (s.length > 4 && /(?:s|x|z|ch|sh)es$/.test(s)) s = s.slice(0, -2)
  else if (s.length > 3 && s.endsWith('s') && !/(?:ss|us|is)$/.test(s)) s = s.slice(0, -1)
  if (s !== w && /([b-df-hj-km-np-tv-z])\1$/.test(s) && !/(?:ll|ss|zz)$/.test(s)) s = s.slice(0, -1)
  if (s.length > 3 && s.endsWith('e')) s = s.slice(0, -1)
  return s
}

/** Numbers as values: digits (with their suffix: "7b", "3d"; ordinal endings dropped), number words and ordinals. */
function numbers (tokens: string[]): string[] {
  const out: string[] = []
  tokens.forEach((w, i) => {
    const m = /^(\d[\d,]*(?:\.\d+)?)([a-z]*)$/.exec(w)
    if (m !== null) {
      const value = String(Number(m[1].replace(/,(?=\d{3}\b)/g, '').replace(',', '.')))
      out.push(/^(?:st|nd|rd|th)$/.test(m[2]) ? value : value + m[2])
    } else if (Object.hasOwn(NUMBER_WORDS, w) && !(w === 'second' && /^(?:a|per|one|each|every)$/.test(tokens[i - 1] ?? ''))) {
      out.push(String(NUMBER_WORDS[w]))
    }
  })
  return out.sort()
}

/** The units of measure and currencies named, as a sorted list of distinct names. */
function units (tokens: string[]): string {
  const out = new Set<string>()
  for (const w of tokens) {
    const u = UNITS.get(w) ?? UNITS.get(stem(w)) ?? UNITS.get(w.replace(/s$/, ''))
    if (u !== undefined) out.add(u)
  }
  return [...out].sort().join(' ')
}

/** The language among en/fr/es/de with the most function words (and letters only it writes), if clear. */
export function language (text: string): string | null {
  const plain = words(text.normalize('NFD').replace(/\p{Mn}/gu, ''))
  const lower = text.toLowerCase()
  const scores = Object.entries(FUNCTION_WORDS).map(([lang, set]) => [lang, plain.filter((w) => set.has(w)).length + (LETTERS[lang]?.test(lower) === true ? 1 : 0)] as const)
  scores.sort((x, y) => y[1] - x[1])
  return scores[0][1] >= 2 && scores[0][1] > scores[1][1] ? scores[0][0] : null
}

const poles = OPPOSITES.map(([x, y]) => [new Set(x.split('|').map(stem)), new Set(y.split('|').map(stem)), `${x.split('|')[0]}/${y.split('|')[0]}`] as const)
const has = (words: Set<string>, pole: Set<string>) => [...pole].some((w) => words.has(w))

function opposite (a: Set<string>, b: Set<string>): string | null {
  for (const [x, y, name] of poles) {
    if ((has(a, x) && !has(a, y) && has(b, y) && !has(b, x)) || (has(a, y) && !has(a, x) && has(b, x) && !has(b, y))) return name
  }
  // A word in one prompt only whose prefixed opposite is in the other only: hide/unhide, zip/unzip.
  const onlyB = new Set([...b].filter((w) => !a.has(w)))
  for (const u of a) {
    if (b.has(u)) continue
    for (const [p, q] of OPPOSITE_PREFIXES) {
      const min = p === '' && /^(?:un|dis|non|anti)$/.test(q) ? 3 : 4
      for (const [from, to] of [[p, q], [q, p]]) {
        const root = u.slice(from.length)
        if (u.startsWith(from) && root.length >= min && onlyB.has(to + root)) return from === p ? `${u}/${to + root}` : `${to + root}/${u}`
      }
    }
  }
  return null
}

/** Capitalised words that do not open a sentence ("Boston", "SQL"): names of things, as stems. */
function properNouns (text: string): Set<string> {
  const out = new Set<string>()
  let opening = true
  let last = 0
  const norm = text.normalize('NFKC')
  for (const m of norm.matchAll(/[\p{L}\p{N}]+(?:['\u2019]\p{L}+)?/gu)) {
    if (/[.!?:;]\s|[¿¡"\u201c(\n]/u.test(norm.slice(last, m.index))) opening = true
    last = (m.index ?? 0) + m[0].length
    const w = m[0]
    if (!opening && /^\p{Lu}/u.test(w) && !/^I(?:['\u2019]|$)/u.test(w)) out.add(stem(words(w).join('')))
    opening = false
  }
  return out
}

// Words left out of the word-order comparison: articles, auxiliaries, question words.
const ORDER_IGNORE = new Set(['a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'do', 'does', 'did', 'what', 'how', 'please', 'can', 'could', 'would', 'it', 'its', 'this', 'that'])

/** Content words in order, with "x and y" / "x or y" put in one order (coordination commutes). */
function sequence (tokens: string[], normal: (w: string) => string): string[] {
  const s = tokens.filter((w) => !ORDER_IGNORE.has(w)).map(normal)
  for (let i = 1; i + 1 < s.length; i++) {
    if (/^(?:and|or|vs|versus)$/.test(s[i]) && s[i - 1] > s[i + 1]) [s[i - 1], s[i + 1]] = [s[i + 1], s[i - 1]]
  }
  return s
}

const MAX_PHRASES = 16
const OPENERS = new Set([...PHRASE_OPENERS].flatMap((w) => [w, stem(w)]))

/** Phrases: a new one starts at each preposition or subordinator; an -ly adverb is one on its own. */
function phrases (s: string[]): string[][] {
  const out: string[][] = []
  const adverb = (w: string) => w.length > 4 && w.endsWith('ly')
  s.forEach((w, i) => {
    if (i === 0 || OPENERS.has(w) || adverb(w) || adverb(s[i - 1])) out.push([w])
    else out[out.length - 1].push(w)
  })
  return out
}

/**
 * b is a's phrases in another order ("in Python, how ..." / "how ... in Python"), phrases that open
 * with the same word keeping their order: swapping "from A" and "from B" swaps roles.
 */
function phrasesMoved (a: string[], b: string[]): boolean {
  const parts = phrases(a)
  // The search is exponential in the worst case; a long prompt is simply not treated as a move.
  if (parts.length > MAX_PHRASES) return false
  const used = new Array<boolean>(parts.length).fill(false)
  const fits = (at: number): boolean => {
    if (at === b.length) return used.every(Boolean)
    for (let i = 0; i < parts.length; i++) {
      if (used[i] || parts.some((p, j) => j < i && !used[j] && p[0] === parts[i][0])) continue
      if (parts[i].every((w, k) => b[at + k] === w)) {
        used[i] = true
        if (fits(at + parts[i].length)) return true
        used[i] = false
      }
    }
    return false
  }
  return fits(0)
}

/** The same words (exactly, or up to inflection) in an order that is not a mere move of phrases. */
function reordered (a: string[], b: string[]): boolean {
  return [(w: string) => w, stem].some((normal) => {
    const ca = sequence(a, normal)
    const cb = sequence(b, normal)
    return ca.join(' ') !== cb.join(' ') && [...ca].sort().join(' ') === [...cb].sort().join(' ') && !phrasesMoved(ca, cb) && !phrasesMoved(cb, ca)
  })
}

export function compareForCache (prompt: string, candidate: string, minWords = 3): GuardVerdict {
  const a = words(prompt)
  const b = words(candidate)
  if (a.length < minWords || b.length < minWords) return { ok: false, reason: 'too_short', detail: `fewer than ${minWords} words` }

  // A cached answer in another language is the wrong answer, however close the meaning.
  const la = language(prompt)
  const lb = language(candidate)
  if (la !== null && lb !== null && la !== lb) return { ok: false, reason: 'language', detail: `${la} vs ${lb}` }

  const count = (tokens: string[]) => tokens.filter((w) => NEGATIONS.has(w)).length
  const na = count(a)
  const nb = count(b)
  if (na !== nb) return { ok: false, reason: 'negation', detail: `${na} vs ${nb} negations` }

  const xa = numbers(a)
  const xb = numbers(b)
  if (xa.join(' ') !== xb.join(' ')) return { ok: false, reason: 'numbers', detail: `[${xa.join(', ')}] vs [${xb.join(', ')}]` }

  const ua = units(a)
  const ub = units(b)
  if (ua !== '' && ub !== '' && ua !== ub) return { ok: false, reason: 'units', detail: `${ua} vs ${ub}` }

  const sa = new Set(a.map(stem))
  const sb = new Set(b.map(stem))
  const flipped = opposite(new Set([...a, ...sa]), new Set([...b, ...sb]))
  if (flipped !== null) return { ok: false, reason: 'antonym', detail: flipped }

  // A name in each prompt that the other lacks: another city, product, person or language.
  const ea = [...properNouns(prompt)].filter((w) => !sb.has(w))
  const eb = [...properNouns(candidate)].filter((w) => !sa.has(w))
  if (ea.length > 0 && eb.length > 0) return { ok: false, reason: 'entity', detail: `${ea.join(' ')} vs ${eb.join(' ')}` }

  // The same words in another order: unless a phrase merely moved, who does what to whom has changed.
  if (reordered(a, b)) return { ok: false, reason: 'word_order', detail: 'same words in a different order' }
  return { ok: true }
}
