// Text a reader does not see but a model does: encoded payloads (base64, hex, rot13, Unicode tag
// characters) and markup a renderer hides (HTML comments, scripts, hidden elements, attributes,
// markdown alt text, comments and link targets). index.ts screens each piece with the rules.
// Work is bounded: at most MAX_PIECES pieces of at most MAX_PIECE characters, found with indexOf
// loops or regexes whose repetitions are capped.
export type HiddenSource = 'base64' | 'hex' | 'rot13' | 'caesar' | 'binary' | 'reversed' | 'unicode_tags' | 'html_comment' | 'script' | 'hidden_element' | 'attribute' | 'markdown_alt' | 'markdown_comment' | 'link_url'
export interface HiddenText { source: HiddenSource, kind: 'encoded' | 'markup', text: string }

const MAX_PIECES = 32
const MAX_PIECE = 8192
const BASE64 = /(?<![\w+/-])[\w+/-]{16,}={0,2}/g // \w is [A-Za-z0-9_]; the look-behind keeps runs from starting mid-word
const BASE64_LINE = /^[A-Za-z0-9+/_=-]{4,}$/
const HEX = /\b(?:[0-9a-f]{2}){10,}\b/gi
const TAGS = /[\u{E0020}-\u{E007E}]{4,}/gu

// Decoded bytes count as text when they are valid UTF-8 and nearly all letters, digits,
// punctuation or spaces (random bytes and binary blobs are not).
function readable (text: string): boolean {
  if (text.length < 4 || text.includes('\uFFFD')) return false
  const ok = text.match(/[\p{L}\p{N}\p{P}\p{S}\s]/gu)?.length ?? 0
  return ok / [...text].length > 0.9
}

// Letters rotated by n places (rot13 is its own inverse; a Caesar shift of n is undone by 26 - n).
const rotate = (s: string, n: number) => s.replace(/[a-z]/gi, (c) => {
  const base = c <= 'Z' ? 65 : 97
  return String.fromCharCode((c.charCodeAt(0) - base + n) % 26 + base)
})

// The shifts a prompt names: "rot13", "rot-5", "Caesar cipher" (3 unless a number is given),
// "shift every letter by 13", "shifted 4 back". Each is decoded both ways.
function namedShifts (text: string): number[] {
  const shifts = new Set<number>()
  for (const m of text.matchAll(/\brot[- ]?(\d{1,2})\b|\bshift(?:ed|ing)?\b[^.\n\d]{0,30}?(\d{1,2})\b/gi)) {
    const n = Number(m[1] ?? m[2]) % 26
    if (n !== 0) shifts.add(n).add(26 - n)
  }
  if (/\bcaesar\b/i.test(text) && shifts.size === 0) shifts.add(3).add(23)
  return [...shifts]
}

// Base64 wrapped over several lines is glued back before the runs are looked for.
function base64Runs (text: string): string[] {
  const blocks: string[] = []
  let block = ''
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (BASE64_LINE.test(t)) { block += t; continue }
    if (block.length >= 16) blocks.push(block)
    block = ''
  }
  if (block.length >= 16) blocks.push(block)
  return [...(text.match(BASE64) ?? []), ...blocks.filter((b) => !text.includes(b))] // single lines are matched already
}

const BINARY = /(?<![01])[01]{8}(?:[ ,]?[01]{8}){3,}(?![01])/g

function encoded (text: string, depth: number, out: HiddenText[]): void {
  for (const run of base64Runs(text)) {
    if (out.length >= MAX_PIECES) return
    const decoded = Buffer.from(run.slice(0, MAX_PIECE), 'base64').toString('utf8')
    if (!readable(decoded)) continue
    out.push({ source: 'base64', kind: 'encoded', text: decoded })
    if (depth > 0) encoded(decoded, depth - 1, out) // base64 of base64
  }
  for (const run of text.match(BINARY) ?? []) { // 8-bit groups: "01001001 01100111 ..."
    if (out.length >= MAX_PIECES) return
    const bytes = (run.slice(0, MAX_PIECE).match(/[01]{8}/g) ?? []).map((b) => parseInt(b, 2))
    const decoded = Buffer.from(bytes).toString('utf8')
    if (readable(decoded)) out.push({ source: 'binary', kind: 'encoded', text: decoded })
  }
  for (const run of text.match(HEX) ?? []) {
    if (out.length >= MAX_PIECES) return
    const decoded = Buffer.from(run.slice(0, MAX_PIECE), 'hex').toString('utf8')
    if (readable(decoded)) out.push({ source: 'hex', kind: 'encoded', text: decoded })
  }
}

// The body between an opening and a closing marker, for every pair (indexOf: linear, no regex).
function between (text: string, lower: string, open: string, close: string, source: HiddenSource, out: HiddenText[]): void {
  let at = 0
  while (out.length < MAX_PIECES) {
    const start = lower.indexOf(open, at)
    if (start < 0) return
    const bodyStart = open.endsWith('>') || open === '<!--' ? start + open.length : lower.indexOf('>', start) + 1
    if (bodyStart <= 0) return
    const end = lower.indexOf(close, bodyStart)
    if (end < 0) return
    out.push({ source, kind: 'markup', text: text.slice(bodyStart, Math.min(end, bodyStart + MAX_PIECE)) })
    at = end + close.length
  }
}

// An opening tag and the text after it; the tag's attributes are then checked for hiding styles.
const OPEN_TAG = /<[a-z][a-z0-9]{0,10}\b([^<>]{0,500})>([^<]{1,2000})/gi
const HIDING = /display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d]*[1-9])|opacity\s*:\s*0(?![.\d]*[1-9])|color\s*:\s*(?:#fff(?:fff)?\b|white\b)|(?:height|width)\s*:\s*0(?![.\d]*[1-9])|\shidden\b|aria-hidden\s*=\s*["']true/i
const ATTRIBUTE = /\b(?:alt|title|aria-label|placeholder|data-[a-z-]{1,30})\s*=\s*(?:"([^"]{1,1000})"|'([^']{1,1000})')/gi
const MD_COMMENT = /\[\/\/\]:\s*#\s*\(([^)\n]{1,1000})\)/g
const MD_LINK = /(!?)\[([^\]\n]{0,500})\]\(([^)\s]{1,2000})(?:\s+"([^"\n]{1,1000})")?/g

function markup (text: string, out: HiddenText[]): void {
  if (!/[<[]/.test(text)) return
  const lower = text.toLowerCase()
  between(text, lower, '<!--', '-->', 'html_comment', out)
  for (const tag of ['script', 'noscript', 'template', 'style']) between(text, lower, `<${tag}`, `</${tag}`, 'script', out)
  for (const m of text.matchAll(OPEN_TAG)) if (HIDING.test(m[1])) out.push({ source: 'hidden_element', kind: 'markup', text: m[2] })
  for (const m of text.matchAll(ATTRIBUTE)) out.push({ source: 'attribute', kind: 'markup', text: m[1] ?? m[2] })
  for (const m of text.matchAll(MD_COMMENT)) out.push({ source: 'markdown_comment', kind: 'markup', text: m[1] })
  for (const m of text.matchAll(MD_LINK)) {
    if (m[1] === '!' && m[2] !== '') out.push({ source: 'markdown_alt', kind: 'markup', text: m[2] })
    if (m[4] !== undefined) out.push({ source: 'attribute', kind: 'markup', text: m[4] }) // a link's "title"
    let url = m[3]
    try { url = decodeURIComponent(url) } catch {}
    // A link target is data, not prose: it is screened with the ordinary rules, as an encoding.
    out.push({ source: 'link_url', kind: 'encoded', text: url.replace(/[?&=+_/]/g, ' ') })
  }
}

/** Hidden pieces of a prompt (already NFKC-normalised, invisible characters still in). */
export function hiddenTexts (text: string): HiddenText[] {
  const out: HiddenText[] = []
  for (const run of text.match(TAGS) ?? []) {
    out.push({ source: 'unicode_tags', kind: 'encoded', text: String.fromCodePoint(...[...run].map((c) => (c.codePointAt(0) as number) - 0xE0000)) })
  }
  const visible = text.replace(/[\u{E0000}-\u{E007F}]/gu, '')
  encoded(visible, 1, out)
  for (const n of namedShifts(visible).slice(0, 4)) out.push({ source: n === 13 ? 'rot13' : 'caesar', kind: 'encoded', text: rotate(visible.slice(0, MAX_PIECE), n) })
  // Text written backwards, when the prompt says so ("read this backwards", "reversed") or shows it
  // so with a right-to-left override character (U+202E)
  if (/\b(?:backwards?|reversed?|in reverse|right to left)\b|\u202E/i.test(visible)) out.push({ source: 'reversed', kind: 'encoded', text: [...visible.slice(0, MAX_PIECE)].reverse().join('') })
  markup(visible, out)
  return out.slice(0, MAX_PIECES)
}
