import t from 'tap'
import { compareForCache, words } from '../../../../services/cache/semantic/guard.js'

t.test('the false hits reported for small encoders are vetoed, with the reason', async (t) => {
  const cases: Array<[string, string, string, string]> = [
    ["It's not an exchange or return", "It's an exchange or return", 'negation', '1 vs 0 negations'],
    ["Why doesn't my build work?", 'Why does my build work?', 'negation', '1 vs 0 negations'],
    ['How do I turn on dark mode?', 'How do I turn off dark mode?', 'antonym', 'on/off'],
    ['Is this toy safe for kids?', 'Is this toy harmful for kids?', 'antonym', 'safe/harmful'],
    ['Did the dog bite the man?', 'Did the man bite the dog?', 'word_order', 'same words in a different order'],
    ['What is 17 times 3?', 'What is 17 times 4?', 'numbers', '[17, 3] vs [17, 4]'],
    ['Plan a trip for two people', 'Plan a trip for three people', 'numbers', '[2] vs [3]'],
    ['Convert 1,000 dollars to euros', 'Convert 1000.5 dollars to euros', 'numbers', '[1000] vs [1000.5]'],
    ['Hello world', 'Hello world!', 'too_short', 'fewer than 3 words']
  ]
  for (const [a, b, reason, detail] of cases) {
    t.same(compareForCache(a, b), { ok: false, reason, detail }, `${a} | ${b}`)
    t.same(compareForCache(b, a).ok, false, 'symmetric')
  }
})

t.test('paraphrases and equal numbers pass', async (t) => {
  const pass: Array<[string, string]> = [
    ['What is AI?', 'What is artificial intelligence?'],
    ['Explain artificial intelligence to me', 'What is artificial intelligence?'],
    ['What is 17 times 3?', 'Compute 17 times three'],
    ["I don't like spinach, suggest a salad", 'I do not like spinach; suggest a salad'],
    ['Turn on dark mode please', 'How do I turn on the dark mode?']
  ]
  for (const [a, b] of pass) t.same(compareForCache(a, b), { ok: true }, `${a} | ${b}`)
  t.same(compareForCache('What is AI?', 'Define AI', 4), { ok: false, reason: 'too_short', detail: 'fewer than 4 words' })
})

t.test('tokens are NFKC-normalised and lower-cased; apostrophes dropped', async (t) => {
  t.same(words('Ｗhat ISN’T 3.5?'), ['what', 'isnt', '3.5'])
})
