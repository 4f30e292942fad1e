// BERT WordPiece tokenization from a Hugging Face tokenizer.json, read from a local file only
// (no hub, no network). Follows tokenizers' BertNormalizer, BertPreTokenizer and WordPiece model:
// https://huggingface.co/docs/tokenizers/api/models#tokenizers.models.WordPiece

export interface TokenizerJson {
  normalizer?: { type?: string, lowercase?: boolean, strip_accents?: boolean | null, clean_text?: boolean, handle_chinese_chars?: boolean } | null
  model: { type?: string, vocab: Record<string, number>, unk_token?: string, continuing_subword_prefix?: string, max_input_chars_per_word?: number }
  post_processor?: { cls?: [string, number], sep?: [string, number] } | null
}

export interface Encoded { ids: number[], tokens: string[] }

const isControl = (ch: string) => ch !== '\t' && ch !== '\n' && ch !== '\r' && /\p{C}/u.test(ch)
const isWhitespace = (ch: string) => /\s/u.test(ch)
// BERT treats every non-alphanumeric ASCII symbol as punctuation, plus Unicode P* categories.
const isPunctuation = (ch: string) => {
  const c = ch.codePointAt(0) as number
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126) || /\p{P}/u.test(ch)
}
const isCjk = (c: number) => (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
  (c >= 0x2A700 && c <= 0x2CEAF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F)

export function createWordPiece (json: TokenizerJson) {
  if (json.model.type !== undefined && json.model.type !== 'WordPiece') throw new Error(`tokenizer.json model is ${json.model.type}, only WordPiece is supported`)
  const vocab = new Map(Object.entries(json.model.vocab))
  const unk = json.model.unk_token ?? '[UNK]'
  const prefix = json.model.continuing_subword_prefix ?? '##'
  const maxChars = json.model.max_input_chars_per_word ?? 100
  const norm = json.normalizer ?? {}
  const lowercase = norm.lowercase ?? true
  // tokenizers: strip_accents null means "follow lowercase".
  const stripAccents = norm.strip_accents ?? lowercase
  const idOf = (token: string) => {
    const id = vocab.get(token)
    if (id === undefined) throw new Error(`tokenizer.json vocab has no ${token}`)
    return id
  }
  const cls = json.post_processor?.cls ?? ['[CLS]', idOf('[CLS]')]
  const sep = json.post_processor?.sep ?? ['[SEP]', idOf('[SEP]')]
  const unkId = idOf(unk)

  function normalize (text: string): string {
    let out = ''
    for (const ch of text) {
      const c = ch.codePointAt(0) as number
      if (norm.clean_text !== false && (c === 0 || c === 0xFFFD || isControl(ch))) continue
      if (norm.clean_text !== false && isWhitespace(ch)) { out += ' '; continue }
      out += norm.handle_chinese_chars !== false && isCjk(c) ? ` ${ch} ` : ch
    }
    if (stripAccents) out = out.normalize('NFD').replace(/\p{Mn}/gu, '')
    return lowercase ? out.toLowerCase() : out
  }

  function preTokenize (text: string): string[] {
    const words: string[] = []
    for (const chunk of text.split(/\s+/u)) {
      let current = ''
      for (const ch of chunk) {
        if (isPunctuation(ch)) {
          if (current !== '') words.push(current)
          words.push(ch)
          current = ''
        } else current += ch
      }
      if (current !== '') words.push(current)
    }
    return words
  }

  function wordPiece (word: string): string[] {
    const chars = [...word]
    if (chars.length > maxChars) return [unk]
    const pieces: string[] = []
    let start = 0
    while (start < chars.length) {
      let end = chars.length
      let found: string | null = null
      while (start < end) {
        const piece = (start > 0 ? prefix : '') + chars.slice(start, end).join('')
        if (vocab.has(piece)) { found = piece; break }
        end--
      }
      if (found === null) return [unk]
      pieces.push(found)
      start = end
    }
    return pieces
  }

  /** [CLS] tokens [SEP], truncated to maxLength in total. */
  function encode (text: string, maxLength = 512): Encoded {
    const tokens = preTokenize(normalize(text)).flatMap(wordPiece).slice(0, Math.max(0, maxLength - 2))
    const all = [cls[0], ...tokens, sep[0]]
    return { tokens: all, ids: [cls[1], ...tokens.map((t) => vocab.get(t) ?? unkId), sep[1]] }
  }

  return { encode, vocabSize: vocab.size }
}

export type WordPiece = ReturnType<typeof createWordPiece>
