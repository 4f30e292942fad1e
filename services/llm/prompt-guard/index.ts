// Prompt-injection screening: normalise, match the rules, then screen what the prompt hides
// (encoded payloads, markup a renderer would not show), and produce the seed's security_analysis
// plus a sanitised prompt.
import { hiddenTexts } from './hidden.js'
import { normalise, stripInvisible } from './normalise.js'
import { MULTILINGUAL_RULES } from './rules-multilingual.js'
import { HIDDEN_RULES, RULES as ENGLISH_RULES, type Category, type Rule } from './rules.js'

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

export const RULES: Rule[] = [...ENGLISH_RULES, ...MULTILINGUAL_RULES]
const PAYLOAD_RULES = RULES.filter((r) => r.category !== 'encoded_payload')

const MARKUP = /<\|?\s*\/?\s*(?:system|assistant|im_start|im_end|endoftext|user)\s*\|?>|\[\/?\s*(?:INST|SYS|SYSTEM)\s*\]|<<\s*\/?SYS\s*>>/gi

// An `unless` (context that makes a match innocent, such as a phone's developer mode) is looked for
// in every variant: derived variants hold only some sentences, the context may be in another.
function matches (variants: string[], rules: Rule[]): Rule[] {
  return rules.filter((r) => variants.some((v) => r.pattern.test(v) && (r.also ?? []).every((a) => a.test(v))) &&
    !(r.unless !== undefined && variants.some((v) => r.unless?.test(v))))
}

export function analysePrompt (prompt: string, maxChars: number): SecurityAnalysis {
  const direct = matches(normalise(prompt), RULES)
  // Decoded payloads meet every rule but the encoding ones; hidden markup meets the rules for text
  // addressed to a model (the ordinary rules have already seen it as part of the prompt).
  const hidden = hiddenTexts(prompt.normalize('NFKC')).flatMap(({ source, kind, text }) =>
    matches(normalise(text), kind === 'encoded' ? PAYLOAD_RULES : HIDDEN_RULES).map((rule) => ({ source, kind, rule })))
  const patterns = [
    ...direct.map((r) => `${r.category}:${r.id}`),
    ...hidden.map(({ source, kind, rule }) => `${kind === 'encoded' ? 'encoded_payload' : 'indirect_injection'}:${source}(${rule.id})`)
  ]
  const categories = [...new Set<Category>([
    ...direct.map((r) => r.category),
    ...hidden.map(({ kind }) => kind === 'encoded' ? 'encoded_payload' as const : 'indirect_injection' as const)
  ])]
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
