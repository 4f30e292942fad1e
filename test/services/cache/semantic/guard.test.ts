import t from 'tap'
import { compareForCache, language, stem, words } from '../../../../services/cache/semantic/guard.js'

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

t.test('near misses of the labelled corpus kinds are vetoed, with the reason', async (t) => {
  const cases: Array<[string, string, string, string]> = [
    ['What is the capital of France?', 'Quelle est la capitale de la France ?', 'language', 'en vs fr'],
    ['Wie installiere ich Docker unter Ubuntu?', 'How do I install Docker on Ubuntu?', 'language', 'de vs en'],
    ['Convert 10 miles to kilometers', 'Convert 10 miles to meters', 'units', 'kilometer mile vs meter mile'],
    ['Convert 50 euros to dollars', 'Convert 50 euros to pounds', 'units', 'dollar euro vs euro pound'],
    ['How do I hide a column in Excel?', 'How do I unhide a column in Excel?', 'antonym', 'hide/unhide'],
    ['How do I encrypt a file with GPG?', 'How do I decrypt a file with GPG?', 'antonym', 'encrypt/decrypt'],
    ['What are the arguments for a wealth tax?', 'What are the arguments against a wealth tax?', 'antonym', 'for/against'],
    ['What foods increase cholesterol?', 'What foods lower cholesterol?', 'antonym', 'increase/decrease'],
    ['What are the cheapest cities to live in?', 'What are the most expensive cities to live in?', 'antonym', 'cheap/expensive'],
    ['Explain the first amendment', 'Explain the second amendment', 'numbers', '[1] vs [2]'],
    ['What is the 10th Fibonacci number?', 'What is the 20th Fibonacci number?', 'numbers', '[10] vs [20]'],
    ['How much memory does a 7B model need?', 'How much memory does a 70B model need?', 'numbers', '[7b] vs [70b]'],
    ['Give me directions from Boston to New York.', 'Give me directions from Boston to Philadelphia.', 'entity', 'new york vs philadelphia'],
    ['What is Kafka used for?', 'What is RabbitMQ used for?', 'entity', 'kafka vs rabbitmq'],
    ['Can cats eat dog food?', 'Can dogs eat cat food?', 'word_order', 'same words in a different order'],
    ['How do I redirect HTTP to HTTPS?', 'How do I redirect HTTPS to HTTP?', 'word_order', 'same words in a different order'],
    ['Find flights from Sydney to Denver', 'Find flights from Denver to Sydney', 'word_order', 'same words in a different order'],
    ['Is a square a rectangle?', 'Is a rectangle a square?', 'word_order', 'same words in a different order']
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
    ['Turn on dark mode please', 'How do I turn on the dark mode?'],
    // Phrases moved, or the two sides of "and" swapped: the request is the same.
    ['In Python, how do I sort a dictionary by value?', 'How do I sort a dictionary by value in Python?'],
    ['Find flights from Sydney to Denver', 'Find flights to Denver from Sydney'],
    ['Compare cats and dogs as pets', 'Compare dogs and cats as pets'],
    ['Tell me about the history of Rome briefly.', 'Briefly, tell me about the history of Rome.'],
    // A name written in lower case, a sentence opening with a capital, a prefix that is not an opposite.
    ['What is the capital of Canada?', 'whats the capital of canada'],
    ['Hi! Could you please tell me what Kubernetes is? Thanks.', 'What is Kubernetes?'],
    ['How do I remove duplicates from a list?', 'How do I deduplicate a list?'],
    ['How many meters per second is 1 km/h?', 'How many meters per second is one km/h?']
  ]
  for (const [a, b] of pass) t.same(compareForCache(a, b), { ok: true }, `${a} | ${b}`)
  t.same(compareForCache('What is AI?', 'Define AI', 4), { ok: false, reason: 'too_short', detail: 'fewer than 4 words' })
})

t.test('stems and languages', async (t) => {
  t.same(['rising', 'rise', 'cats', 'weaknesses', 'running', 'https', 'queries', 'focus', 'analysis'].map(stem),
    ['ris', 'ris', 'cat', 'weakness', 'run', 'http', 'query', 'focus', 'analysis'])
  t.same(['What is machine learning?', '¿Cómo hago un pastel?', 'Was sind die Symptome der Grippe?', 'Comment trier une liste ?', 'Explain Docker'].map(language),
    ['en', 'es', 'de', null, null], 'null when too few function words tell')
})

t.test('tokens are NFKC-normalised and lower-cased; apostrophes dropped', async (t) => {
  t.same(words('Ｗhat ISN’T 3.5?'), ['what', 'isnt', '3.5'])
})

t.test('words that are Object.prototype names are plain words, not numbers', async (t) => {
  // 'constructor' once read as a number word (the prototype's function), so these two looked different.
  t.same(compareForCache('What does the constructor do here?', 'What does the constructor do here?'), { ok: true })
  t.same(compareForCache('Explain the constructor and toString of a class', 'Explain the toString and constructor of a class').ok, true)
  t.same(compareForCache('Call the constructor with two args', 'Call the constructor with three args'), { ok: false, reason: 'numbers', detail: '[2] vs [3]' })
})
