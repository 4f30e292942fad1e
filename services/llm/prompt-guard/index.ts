// Prompt-injection screening: normalise, match the rules, screen what the prompt hides (encoded
// payloads, markup a renderer would not show), ask the learned classifier (classifier.ts) for the
// rewordings no rule names, and produce the seed's security_analysis plus a sanitised prompt.
import { classify } from './classifier.js'
import { stripInvisible } from './normalise.js'
import { MULTILINGUAL_RULES } from './rules-multilingual.js'
import { HIDDEN_RULES, RULES as ENGLISH_RULES, type Category, type Rule } from './rules.js'
import { screen, type Screened } from './screen.js'

export interface SecurityAnalysis {
  injection_detected: boolean
  detected_patterns: string[]
  categories: Category[]
  sanitized: boolean
  original_length: number
  sanitized_length: number
  blocked: boolean
  truncated: boolean
  /** The classifier's probability that the prompt is an injection (blocked at or above its threshold). */
  classifier_score: number
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

/** The rules' findings alone, as `category:rule` patterns (what the classifier is trained beside). */
export function rulePatterns (prompt: string, screened: Screened = screen(prompt)): { patterns: string[], categories: Category[] } {
  const direct = matches(screened.variants, RULES)
  // Decoded payloads meet every rule but the encoding ones; hidden markup meets the rules for text
  // addressed to a model (the ordinary rules have already seen it as part of the prompt).
  const hidden = screened.hidden.flatMap(({ source, kind, variants }) =>
    matches(variants, kind === 'encoded' ? PAYLOAD_RULES : HIDDEN_RULES).map((rule) => ({ source, kind, rule })))
  const patterns = [
    ...direct.map((r) => `${r.category}:${r.id}`),
    ...hidden.map(({ source, kind, rule }) => `${kind === 'encoded' ? 'encoded_payload' : 'indirect_injection'}:${source}(${rule.id})`)
  ]
  const categories = [...new Set<Category>([
    ...direct.map((r) => r.category),
    ...hidden.map(({ kind }) => kind === 'encoded' ? 'encoded_payload' as const : 'indirect_injection' as const)
  ])]
  return { patterns: [...new Set(patterns)], categories }
}

export function analysePrompt (prompt: string, maxChars: number): SecurityAnalysis {
  const screened = screen(prompt)
  const { patterns, categories } = rulePatterns(prompt, screened)
  const learned = classify(prompt, screened)
  if (learned.flagged) {
    patterns.push('learned_classifier:ngram_logistic')
    categories.push('learned_classifier')
  }
  const cleaned = stripInvisible(prompt.normalize('NFKC')).replace(MARKUP, '')
  const truncated = cleaned.length > maxChars
  const sanitised = truncated ? cleaned.slice(0, maxChars) : cleaned
  return {
    injection_detected: patterns.length > 0,
    detected_patterns: patterns,
    categories,
    sanitized: sanitised !== prompt,
    original_length: prompt.length,
    sanitized_length: sanitised.length,
    blocked: patterns.length > 0,
    truncated,
    classifier_score: Number(learned.score.toFixed(4))
  }
}

/** The prompt as sent to the model: invisible characters and chat markup removed, length capped. */
export function sanitisePrompt (prompt: string, maxChars: number): string {
  return stripInvisible(prompt.normalize('NFKC')).replace(MARKUP, '').slice(0, maxChars)
}
