// Text normalisation before matching: what looks the same to a model must look the same to the rules.
const ZERO_WIDTH = /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u206A-\u206F\uFEFF]/g
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g

// Cyrillic and Greek letters that render like Latin ones (NFKC leaves them alone).
const HOMOGLYPHS: Record<string, string> = {
  а: 'a', е: 'e', о: 'o', р: 'p', с: 'c', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w', ɡ: 'g',
  А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P', С: 'C', Т: 'T', Х: 'X', І: 'I', Ѕ: 'S',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', Α: 'A', Β: 'B', Ε: 'E', Ι: 'I', Κ: 'K', Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Χ: 'X', Υ: 'Y'
}
const LEET: Record<string, string> = { 0: 'o', 1: 'i', 3: 'e', 4: 'a', 5: 's', 7: 't', '@': 'a', $: 's', '!': 'i' }

/** Removes invisible and control characters (the sanitised prompt keeps everything else). */
export function stripInvisible (text: string): string {
  return text.replace(ZERO_WIDTH, '').replace(CONTROL, '')
}

/** The variants the rules run on: NFKC + invisible characters removed + homoglyphs folded, then
 *  also with leetspeak folded and with spaced-out letters ("i g n o r e") joined. */
export function normalise (text: string): string[] {
  const base = stripInvisible(text.normalize('NFKC')).replace(/[^\u0000-\u007F]/g, (ch) => HOMOGLYPHS[ch] ?? ch).replace(/\s+/g, ' ')
  const leet = base.replace(/(?<=[a-z])[013457@$!]|[013457@$!](?=[a-z])/gi, (ch) => LEET[ch] ?? ch)
  const joined = base.replace(/\b(?:[a-z] ){3,}[a-z]\b/gi, (m) => m.replace(/ /g, ''))
  return [...new Set([base, leet, joined])]
}
