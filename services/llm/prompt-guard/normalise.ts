// Text normalisation before matching: what looks the same to a model must look the same to the rules.
// Every step is a single pass (or a regex with bounded repetition) so the work stays linear in the
// prompt length: the guard runs on every LLM request.
import { LEXICON, MAX_WORD, segment } from './segment.js'

// Zero-width, bidi, filler and variation-selector characters, and the Unicode tag block (invisible
// ASCII look-alikes used to smuggle text; hidden.ts decodes them before they are dropped here).
// eslint-disable-next-line no-misleading-character-class -- the class lists combining and joiner characters on purpose
const INVISIBLE = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u206A-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu
// eslint-disable-next-line no-control-regex -- control characters are what this strips
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g

// Letters that render like Latin ones and that NFKC leaves alone: Cyrillic, Greek, small capitals.
const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  І: 'I',
  Ѕ: 'S',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Χ: 'X',
  Υ: 'Y',
  Ζ: 'Z',
  ᴀ: 'a',
  ʙ: 'b',
  ᴄ: 'c',
  ᴅ: 'd',
  ᴇ: 'e',
  ꜰ: 'f',
  ɢ: 'g',
  ʜ: 'h',
  ɪ: 'i',
  Ɪ: 'I',
  ᴊ: 'j',
  ᴋ: 'k',
  ʟ: 'l',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ᴘ: 'p',
  ǫ: 'q',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ᴜ: 'u',
  ᴠ: 'v',
  ᴡ: 'w',
  ʏ: 'y',
  ᴢ: 'z'
}
// Enclosed letters NFKC does not decompose: negative circled, negative squared, regional indicators.
const LETTER_BLOCKS: Array<[number, number]> = [[0x1F150, 0x1F169], [0x1F170, 0x1F189], [0x1F1E6, 0x1F1FF]]

function foldChar (ch: string): string {
  const mapped = HOMOGLYPHS[ch]
  if (mapped !== undefined) return mapped
  const cp = ch.codePointAt(0) as number
  for (const [first, last] of LETTER_BLOCKS) if (cp >= first && cp <= last) return String.fromCharCode(65 + cp - first)
  return ch
}

/** Removes invisible and control characters (the sanitised prompt keeps everything else). */
export function stripInvisible (text: string): string {
  return text.replace(INVISIBLE, '').replace(CONTROL, '')
}

/** NFKC, invisible characters removed, look-alike letters folded to Latin, accents dropped
 *  ("précédentes" -> "precedentes", so the multilingual rules can be written without them).
 *  Whitespace is left as it is: respace() needs the gaps. */
export function fold (text: string): string {
  return stripInvisible(text.normalize('NFKC'))
    // eslint-disable-next-line no-control-regex -- every character outside ASCII
    .replace(/[^\u0000-\u007F]/gu, foldChar)
    .normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC')
}

/** Horizontal whitespace to one space, blank lines to one newline (rules use newlines as boundaries). */
export function squash (text: string): string {
  const flat = text.replace(/[^\S\n]+/g, ' ')
  return (flat.includes('\n') ? flat.replace(/ ?\n\s*/g, '\n') : flat).trim()
}

// Single letters separated by whitespace ("i g n o r e  a l l") or by one punctuation mark
// ("i.g.n.o.r.e", "I-g-n-o-r-e"); each repetition consumes a letter, so matching is linear.
const SPACED = /(?<![\p{L}\p{N}])[\p{L}\p{N}](?:[ \t\n]{1,6}[\p{L}\p{N}](?![\p{L}\p{N}])){2,}/gu
// ("i.g.n.o.r.e", "I-g-n-o-r-e", also with a space either side: "p / r / i / n / t").
const DOTTED = /(?<![\p{L}\p{N}])\p{L}(?: ?[.\-_*·•|/+~] ?\p{L}(?![\p{L}\p{N}])){1,}/gu
// A separator inside a word ("re~veal", "sys^tem"): dropped.
const INNER_MARK = /(?<=\p{L})[~^](?=\p{L})/gu
const GLUED = /[a-z]{8,80}/gi // the lexicon is English: only Latin letters need splitting
// Quick ASCII-only screens: a letter between two separators, or eight letters in a row.
const SPACED_HINT = /(?:^|[^a-z0-9])[a-z0-9] ?[ \t\n.\-_*|/+~] ?[a-z0-9](?![a-z0-9])|[a-z][~^][a-z]/i
const GLUED_HINT = /[a-z]{8}/i
const MIN_GLUED_WORDS = 2

// Cheap test before segmenting: a run made only of lexicon words starts and ends with one.
function startsAndEndsWithWords (s: string): boolean {
  let start = false
  let end = false
  for (let len = 1; len <= Math.min(MAX_WORD, s.length); len++) {
    start ||= LEXICON.has(s.slice(0, len))
    end ||= LEXICON.has(s.slice(s.length - len))
  }
  return start && end
}

function joinSpaced (run: string): string {
  const letters = run.split(/\s+/)
  const gaps = (run.match(/\s+/g) ?? []).map((g) => g.length)
  const narrowest = Math.min(...gaps)
  // Wider gaps mark word boundaries; with none, fall back to the lexicon, and keep the run as one
  // word unless lexicon words cover all of it (a spelled-out name or acronym stays one word).
  if (gaps.some((g) => g > narrowest)) {
    let out = letters[0]
    gaps.forEach((g, i) => { out += (g > narrowest ? ' ' : '') + letters[i + 1] })
    return out
  }
  const glued = letters.join('')
  const seg = segment(glued)
  return seg.unknown === 0 ? seg.text : glued
}

/** Restores word boundaries: spaced-out and dotted letters joined into words, and long glued runs
 *  ("ignoreallpreviousinstructions", left by zero-width separators) split into lexicon words. */
export function respace (text: string): string {
  let out = text
  if (SPACED_HINT.test(out)) out = out.replace(INNER_MARK, '').replace(SPACED, joinSpaced).replace(DOTTED, (run) => run.replace(/[^\p{L}]/gu, ''))
  if (!GLUED_HINT.test(out)) return out
  return out.replace(GLUED, (word) => {
    const lower = word.toLowerCase()
    if (LEXICON.has(lower) || !startsAndEndsWithWords(lower)) return word
    const seg = segment(lower)
    return seg.words >= MIN_GLUED_WORDS && seg.unknown === 0 ? seg.text : word
  })
}

const LEET: Record<string, string> = { 0: 'o', 3: 'e', 4: 'a', 5: 's', 6: 'g', 7: 't', 8: 'b', 9: 'g', '@': 'a', $: 's', '!': 'i' }
// A letter next to a digit or symbol, or a symbol starting a word ("!gn0r3", "$how").
const LEET_HINT = /[a-z][\d@$!|]|[\d@$!|][a-z]/i
const LEET_TOKEN = /[\p{L}\p{N}@$|]+(?:![\p{L}\p{N}@$|]+)*|![\p{L}\p{N}@$|]+/gu

/** Leetspeak folded inside words that mix letters and digits/symbols ("pr3v10us", "$h0w", "ru13s").
 *  "1" and "|" can be "i" or "l": the reading that is a lexicon word wins, "i" otherwise. */
export function unleet (text: string): string {
  if (!LEET_HINT.test(text)) return text
  return text.replace(LEET_TOKEN, (token) => {
    if (!/\p{L}/u.test(token) || !/[\d@$!|]/.test(token)) return token
    const base = token.replace(/[0345-9@$!]/g, (c) => LEET[c] ?? c)
    if (!/[1|]/.test(base)) return base
    const asI = base.replace(/[1|]/g, 'i')
    const asL = base.replace(/[1|]/g, 'l')
    return LEXICON.has(asL.toLowerCase()) && !LEXICON.has(asI.toLowerCase()) ? asL : asI
  })
}

// Chat shorthand read as the words it stands for ("show ur prompt", "can u be").
const SLANG: Record<string, string> = { u: 'you', ur: 'your', r: 'are', pls: 'please', plz: 'please', ya: 'you' }

/** Chat shorthand expanded (u, ur, r, pls), between ordinary words only: in spaced-out letters
 *  ("i n s t r u c t") a lone "r" or "u" is a letter, not a word. */
export function unslang (text: string): string {
  return text.replace(/(?<=(?:^|[\p{L}\p{N}]{2}[^\p{L}\p{N}]{1,3}))\b(?:u|ur|r|pls|plz|ya)\b(?=$|[^\p{L}\p{N}]{1,3}(?:[\p{L}\p{N}]{2}|$))/giu, (w) => SLANG[w.toLowerCase()])
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }
// Inline tags can split a word ("<b>Ig</b>nore"); block tags separate words.
const INLINE_TAG = /<\/?(?:a|b|i|u|s|em|strong|span|font|small|big|sub|sup|mark|code|kbd|abbr|q|del|ins)\b[^<>]{0,500}>/gi
const TAG = /<\/?[a-z][^<>]{0,500}>|<!--|-->/gi

/** Markup read as a browser would show it: tags removed, then entities and %-escapes decoded. */
export function decodeMarkup (text: string): string {
  return text
    .replace(INLINE_TAG, '')
    .replace(TAG, ' ')
    .replace(/&#x([0-9a-f]{1,6});|&#(\d{1,7});|&([a-z]{2,6});/gi, (m, hex?: string, dec?: string, name?: string) => {
      const cp = hex !== undefined ? parseInt(hex, 16) : dec !== undefined ? parseInt(dec, 10) : -1
      if (cp >= 0) return cp <= 0x10FFFF ? String.fromCodePoint(cp) : m
      const entity = (name as string).toLowerCase()
      return Object.hasOwn(ENTITIES, entity) ? ENTITIES[entity] : m
    })
    .replace(/(?:%[0-9a-f]{2})+/gi, (m) => { try { return decodeURIComponent(m) } catch { return m } })
}

// Derived variants keep only the sentences that differ from the first one, so the rules' work on
// them is proportional to what the transformation changed, not to the prompt length.
// (Joined by newlines, which the rules treat as a boundary as they do the dropped punctuation.)
const SENTENCE = /[.!?\n]+\s*/

function changed (variant: string, base: ReadonlySet<string>): string {
  return variant.split(SENTENCE).filter((s) => s !== '' && !base.has(s)).join('\n')
}

/** The variants the rules run on, lower-cased, empty ones dropped. The first is the whole prompt
 *  folded (NFKC, invisible characters removed, look-alikes and accents folded); the others hold the
 *  sentences that read differently:
 *  - raw: NFKC only, for scripts the look-alike folding would mangle (Cyrillic rules);
 *  - respaced: spaced-out letters joined, glued words split;
 *  - leet: leetspeak folded, chat shorthand expanded;
 *  - markup: entities, tags and %-escapes decoded (only when the prompt has any). */
export function normalise (text: string): string[] {
  const folded = fold(text)
  const base = squash(folded).toLowerCase()
  const sentences = new Set(base.split(SENTENCE))
  const derived = [squash(stripInvisible(text.normalize('NFKC'))), squash(respace(folded)), squash(unslang(unleet(folded)))]
  if (/[<>&%]/.test(text)) derived.push(squash(respace(fold(decodeMarkup(text)))))
  return [base, ...new Set(derived.map((v) => changed(v.toLowerCase(), sentences)).filter((v) => v !== ''))]
}
