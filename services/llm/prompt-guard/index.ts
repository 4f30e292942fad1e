// Prompt-injection screening: normalise, match the rules (also inside base64, hex and rot13
// payloads), and produce the seed's security_analysis plus a sanitised prompt.
import { normalise, stripInvisible } from './normalise.js'
import { RULES, type Category, type Rule } from './rules.js'

export interface SecurityAnalysis {
  injection_detected: boolean
  detected_patterns: string[]
  categories: Category[]
  sanitized: boolean
  original_length: number
  sanitized_length: number
  blocked: boolean
  truncated: boolean
}

const MARKUP = /<\|?\s*\/?\s*(?:system|assistant|im_start|im_end|endoftext|user)\s*\|?>|\[\/?\s*(?:INST|SYS|SYSTEM)\s*\]|<<\s*\/?SYS\s*>>/gi
const BASE64 = /[A-Za-z0-9+/]{16,}={0,2}/g
const HEX = /\b(?:[0-9a-f]{2}){10,}\b/gi

function matches (variants: string[], rules: Rule[]): Rule[] {
  return rules.filter((r) => variants.some((v) => r.pattern.test(v)))
}

function printable (text: string): boolean {
  return text.length > 0 && [...text].filter((c) => c >= ' ' && c <= '~').length / text.length > 0.9
}

const rot13 = (s: string) => s.replace(/[a-z]/gi, (c) => {
  const base = c <= 'Z' ? 65 : 97
  return String.fromCharCode((c.charCodeAt(0) - base + 13) % 26 + base)
})

/** Texts hidden in the prompt: decoded base64 and hex runs, and the rot13 of a prompt that names rot13. */
function hiddenTexts (text: string): Array<{ encoding: string, text: string }> {
  const found: Array<{ encoding: string, text: string }> = []
  for (const token of text.match(BASE64) ?? []) {
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    if (printable(decoded)) found.push({ encoding: 'base64', text: decoded })
  }
  for (const token of text.match(HEX) ?? []) {
    const decoded = Buffer.from(token, 'hex').toString('utf8')
    if (printable(decoded)) found.push({ encoding: 'hex', text: decoded })
  }
  if (/\brot[- ]?13\b/i.test(text)) found.push({ encoding: 'rot13', text: rot13(text) })
  return found
}

export function analysePrompt (prompt: string, maxChars: number): SecurityAnalysis {
  const variants = normalise(prompt)
  const direct = matches(variants, RULES)
  const hidden = hiddenTexts(variants[0]).flatMap(({ encoding, text }) =>
    matches(normalise(text), RULES.filter((r) => r.category !== 'encoded_payload')).map((r) => ({ encoding, rule: r })))
  const patterns = [
    ...direct.map((r) => `${r.category}:${r.id}`),
    ...hidden.map(({ encoding, rule }) => `encoded_payload:${encoding}(${rule.id})`)
  ]
  const categories = [...new Set([...direct.map((r) => r.category), ...(hidden.length > 0 ? ['encoded_payload' as const] : [])])]
  const cleaned = stripInvisible(prompt.normalize('NFKC')).replace(MARKUP, '')
  const truncated = cleaned.length > maxChars
  const sanitised = truncated ? cleaned.slice(0, maxChars) : cleaned
  return {
    injection_detected: patterns.length > 0,
    detected_patterns: [...new Set(patterns)],
    categories,
    sanitized: sanitised !== prompt,
    original_length: prompt.length,
    sanitized_length: sanitised.length,
    blocked: patterns.length > 0,
    truncated
  }
}

/** The prompt as sent to the model: invisible characters and chat markup removed, length capped. */
export function sanitisePrompt (prompt: string, maxChars: number): string {
  return stripInvisible(prompt.normalize('NFKC')).replace(MARKUP, '').slice(0, maxChars)
}
