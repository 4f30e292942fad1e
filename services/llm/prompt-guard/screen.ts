// What the rules and the classifier both read, computed once per prompt: the normalised variants of
// the prompt and of every piece of text it hides (hidden.ts), each piece normalised the same way.
import { hiddenTexts, type HiddenText } from './hidden.js'
import { normalise } from './normalise.js'

export interface Screened {
  variants: string[]
  hidden: Array<HiddenText & { variants: string[] }>
}

export function screen (prompt: string): Screened {
  return {
    variants: normalise(prompt),
    hidden: hiddenTexts(prompt.normalize('NFKC')).map((h) => ({ ...h, variants: normalise(h.text) }))
  }
}
