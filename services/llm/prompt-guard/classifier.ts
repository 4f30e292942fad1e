// A learned second opinion beside the rules: logistic regression over hashed word and character
// n-grams of the same normalised variants the rules read (and of the text hidden in encodings and
// markup). Rules name what they catch; the classifier catches rewordings no rule anticipated.
// The weights are trained from the corpus by scripts/train-prompt-guard.ts (deterministic) and
// committed as classifier-weights.ts; nothing is downloaded or trained at run time.
// Work is linear in the prompt length: one pass over the tokens of each variant.
import { WEIGHTS } from './classifier-weights.js'
import { screen, type Screened } from './screen.js'

export const HASH_BITS = 18
const MASK = (1 << HASH_BITS) - 1
const MAX_TOKEN = 24 // longer runs (hashes, base64, unspaced scripts) give character n-grams only up to this length
const TOKEN = /[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u

// FNV-1a over UTF-16 code units, folded to HASH_BITS. `step` continues a running hash, so the
// n-grams are hashed in place, without building a string for each.
const FNV_OFFSET = 0x811c9dc5
const step = (h: number, code: number) => Math.imul(h ^ code, 0x01000193)
const steps = (h: number, s: string) => {
  for (let i = 0; i < s.length; i++) h = step(h, s.charCodeAt(i))
  return h
}
const fold = (h: number) => (h >>> 0) & MASK
const WORD = steps(FNV_OFFSET, 'w ')
const BIGRAM = steps(FNV_OFFSET, 'b ')
const CHARS = steps(FNV_OFFSET, 'c ')
const SPACE = 32
const OPEN = 60 // '<'
const CLOSE = 62 // '>'

function addText (text: string, out: Set<number>): void {
  const tokens = text.match(TOKEN) ?? []
  let prev = '^'
  for (const token of tokens) {
    out.add(fold(steps(WORD, token)))
    out.add(fold(steps(step(steps(BIGRAM, prev), SPACE), token)))
    prev = token
    if (token.length < 3 && !UNSPACED.test(token)) continue
    // Character n-grams of the token between < and >: 3 and 4 in Latin-like scripts (inflections,
    // leetspeak leftovers, typos), 2 and 3 where words are not separated by spaces.
    const length = Math.min(token.length, MAX_TOKEN) + 2
    const code = (i: number) => i === 0 ? OPEN : i === length - 1 ? CLOSE : token.charCodeAt(i - 1)
    const [lo, hi] = UNSPACED.test(token) ? [2, 3] : [3, 4]
    for (let n = lo; n <= hi; n++) {
      for (let i = 0; i + n <= length; i++) {
        let h = CHARS
        for (let j = i; j < i + n; j++) h = step(h, code(j))
        out.add(fold(h))
      }
    }
  }
}

/** The hashed features of a prompt: its normalised variants and the texts it hides. */
export function features (prompt: string, screened: Screened = screen(prompt)): number[] {
  const out = new Set<number>()
  for (const variant of screened.variants) addText(variant, out)
  for (const piece of screened.hidden) for (const variant of piece.variants) addText(variant, out)
  return [...out]
}

export interface Weights { bias: number, threshold: number, weights: Map<number, number> }

/** Decodes the committed weights: base64 of (uint32 index, float32 weight) pairs, little-endian. */
export function decodeWeights (encoded: { bias: number, threshold: number, pairs: string }): Weights {
  const bytes = Buffer.from(encoded.pairs, 'base64')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const weights = new Map<number, number>()
  for (let off = 0; off + 8 <= bytes.byteLength; off += 8) weights.set(view.getUint32(off, true), view.getFloat32(off + 4, true))
  return { bias: encoded.bias, threshold: encoded.threshold, weights }
}

export function encodeWeights (bias: number, threshold: number, weights: Map<number, number>): { bias: number, threshold: number, pairs: string } {
  const entries = [...weights].filter(([, w]) => Math.abs(w) >= 1e-4).sort(([a], [b]) => a - b)
  const bytes = Buffer.alloc(entries.length * 8)
  entries.forEach(([index, w], i) => { bytes.writeUInt32LE(index, i * 8); bytes.writeFloatLE(w, i * 8 + 4) })
  return { bias, threshold, pairs: bytes.toString('base64') }
}

/** Probability that `feats` is an injection under `model`. Features are binary, scaled to unit length. */
export function probability (model: Weights, feats: number[]): number {
  if (feats.length === 0) return 1 / (1 + Math.exp(-model.bias))
  let z = 0
  for (const f of feats) z += model.weights.get(f) ?? 0
  z = model.bias + z / Math.sqrt(feats.length)
  return 1 / (1 + Math.exp(-z))
}

// Decoded once at start-up, so the first prompt does not pay for it.
const model = decodeWeights(WEIGHTS)

/** The committed model's verdict on a prompt. */
export function classify (prompt: string, screened: Screened = screen(prompt)): { score: number, threshold: number, flagged: boolean } {
  const score = probability(model, features(prompt, screened))
  return { score, threshold: model.threshold, flagged: score >= model.threshold }
}
