// Lexical checks that veto a semantic-cache candidate the embedding alone would accept.
// Small sentence encoders score opposites as near-duplicates, and no threshold fixes it
// (reference/llm_gateways.md 3.3): "It's not an exchange" vs "It's an exchange" 0.947 on all-MiniLM,
// "turn on dark mode" vs "turn off dark mode" 0.915, "dog bites man" vs "man bites dog" 0.907, and
// questions differing by one number. A veto only costs a miss; a false hit returns a wrong answer.

export type GuardReason = 'too_short' | 'negation' | 'numbers' | 'antonym' | 'word_order'

export type GuardVerdict = { ok: true } | { ok: false, reason: GuardReason, detail: string }

const NEGATIONS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot', 'without',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont', 'wouldnt', 'shouldnt', 'couldnt',
  'cant', 'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint', 'non', 'unless', 'except'
])

// Pairs whose members flip the meaning of an otherwise identical request.
const OPPOSITES: Array<[string, string]> = [
  ['on', 'off'], ['enable', 'disable'], ['enabled', 'disabled'], ['activate', 'deactivate'], ['start', 'stop'],
  ['open', 'close'], ['increase', 'decrease'], ['raise', 'lower'], ['up', 'down'], ['add', 'remove'],
  ['include', 'exclude'], ['allow', 'deny'], ['accept', 'reject'], ['buy', 'sell'], ['before', 'after'],
  ['min', 'max'], ['minimum', 'maximum'], ['best', 'worst'], ['more', 'less'], ['most', 'least'],
  ['true', 'false'], ['yes', 'no'], ['safe', 'harmful'], ['safe', 'dangerous'], ['good', 'bad'],
  ['advantages', 'disadvantages'], ['pros', 'cons'], ['encrypt', 'decrypt'], ['import', 'export'],
  ['upload', 'download'], ['login', 'logout'], ['hot', 'cold'], ['fast', 'slow'], ['first', 'last'],
  ['inside', 'outside'], ['above', 'below'], ['win', 'lose'], ['love', 'hate'], ['legal', 'illegal'],
  ['possible', 'impossible'], ['like', 'dislike'], ['agree', 'disagree'], ['high', 'low'], ['big', 'small'],
  ['left', 'right'], ['input', 'output'], ['send', 'receive'], ['lock', 'unlock']
]

const NUMBER_WORDS: Record<string, number> = {
  zero: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18,
  nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90,
  hundred: 100, thousand: 1000, million: 1e6, billion: 1e9, half: 0.5, twice: 2, double: 2, triple: 3
}

// Words that carry no content, ignored when comparing word order.
const STOP = new Set(['a', 'an', 'the', 'is', 'are', 'was', 'were', 'be', 'do', 'does', 'did', 'i', 'you', 'me', 'my', 'to', 'of', 'in', 'for', 'what', 'how', 'please', 'can', 'could', 'would', 'it', 'its', 'this', 'that'])

/** Lower-cased word tokens after NFKC; apostrophes dropped so "don't" and "dont" agree. */
export function words (text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/['\u2019]/g, '').match(/[\p{L}\p{N}]+(?:[.,]\d+)*/gu) ?? []
}

function numbers (tokens: string[]): string[] {
  const out: string[] = []
  for (const w of tokens) {
    if (/^\d/.test(w)) out.push(String(Number(w.replace(/,(?=\d{3}\b)/g, '').replace(',', '.'))))
    else if (w in NUMBER_WORDS) out.push(String(NUMBER_WORDS[w]))
  }
  return out.sort()
}

const count = (tokens: string[], set: Set<string>) => tokens.filter((w) => set.has(w)).length

export function compareForCache (prompt: string, candidate: string, minWords = 3): GuardVerdict {
  const a = words(prompt)
  const b = words(candidate)
  if (a.length < minWords || b.length < minWords) return { ok: false, reason: 'too_short', detail: `fewer than ${minWords} words` }

  const na = count(a, NEGATIONS)
  const nb = count(b, NEGATIONS)
  if (na !== nb) return { ok: false, reason: 'negation', detail: `${na} vs ${nb} negations` }

  const xa = numbers(a)
  const xb = numbers(b)
  if (xa.join(' ') !== xb.join(' ')) return { ok: false, reason: 'numbers', detail: `[${xa.join(', ')}] vs [${xb.join(', ')}]` }

  const sa = new Set(a)
  const sb = new Set(b)
  for (const [x, y] of OPPOSITES) {
    const flipped = (sa.has(x) && !sa.has(y) && sb.has(y) && !sb.has(x)) || (sa.has(y) && !sa.has(x) && sb.has(x) && !sb.has(y))
    if (flipped) return { ok: false, reason: 'antonym', detail: `${x}/${y}` }
  }

  // Same content words in another order: who does what to whom has changed.
  const ca = a.filter((w) => !STOP.has(w))
  const cb = b.filter((w) => !STOP.has(w))
  if (ca.join(' ') !== cb.join(' ') && [...ca].sort().join(' ') === [...cb].sort().join(' ')) {
    return { ok: false, reason: 'word_order', detail: 'same words in a different order' }
  }
  return { ok: true }
}
