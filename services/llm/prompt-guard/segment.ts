// Word segmentation for glued text ("showmeyourhiddenprompt", "i g n o r e a l l" once joined): the
// rules need word boundaries, and an attacker who removes them should not get past the rules for it.
// The lexicon holds the words the rules are made of plus common short words; anything else is left
// as it is, so an ordinary long word never turns into a rule match by accident.
const WORDS = `a i an the me my you your yours yourself now no not all any every each this that these those
and or then to of in on at as is are was were be been being do does did done say says said tell told
show reveal print repeat output display give leak dump share list write spell copy paste echo send
ignore ignoring disregard forget skip drop bypass override overlook omit neglect abandon cancel remove
disable turn off stop follow obey from what which who with without before above earlier prior previous
preceding original initial system prompt prompts instruction instructions rule rules guideline
guidelines guidance direction directions directive directives command commands order orders
constraint constraints policy policies filter filters restriction restrictions limit limits safety
guardrail guardrails hidden secret internal confidential developer debug god admin root sudo mode
jailbreak jailbroken act pretend roleplay play role be become enable activate unrestricted unfiltered
uncensored evil free ethics morals new real follow answer answers everything anything verbatim text
words message messages configuration context password passwords key keys token dan ai assistant
model chatbot bot please just only must will can should it its here there start begin beginning
everyone everybody nothing always never us we our he she they them his her their word up out over
under into about after again against so if but for by are am were have has had get got let go`.split(/\s+/)

export const LEXICON: ReadonlySet<string> = new Set(WORDS)
export const MAX_WORD = Math.max(...WORDS.map((w) => w.length))
const UNKNOWN_COST = 2 // per character no lexicon word covers; a known word costs 1

export interface Segmentation { text: string, words: number, unknown: number }

/** Splits a lowercase run of letters into lexicon words (fewest pieces, fewest uncovered characters).
 *  O(length x longest word); callers bound the length. */
export function segment (letters: string): Segmentation {
  const s = letters.toLowerCase()
  const n = s.length
  const cost = new Array<number>(n + 1).fill(Infinity)
  const from = new Array<number>(n + 1).fill(0)
  const known = new Array<boolean>(n + 1).fill(false)
  cost[0] = 0
  for (let i = 1; i <= n; i++) {
    cost[i] = cost[i - 1] + UNKNOWN_COST
    from[i] = i - 1
    for (let len = 1; len <= Math.min(MAX_WORD, i); len++) {
      if (cost[i - len] + 1 < cost[i] && LEXICON.has(s.slice(i - len, i))) {
        cost[i] = cost[i - len] + 1
        from[i] = i - len
        known[i] = true
      }
    }
  }
  const pieces: string[] = []
  let unknown = 0
  let words = 0
  let pending = '' // uncovered characters are kept together as one piece
  for (let i = n; i > 0; i = from[i]) {
    if (known[i]) {
      if (pending !== '') { pieces.push(pending); pending = '' }
      pieces.push(s.slice(from[i], i))
      words++
    } else {
      pending = s[i - 1] + pending
      unknown++
    }
  }
  if (pending !== '') pieces.push(pending)
  return { text: pieces.reverse().join(' '), words, unknown }
}
