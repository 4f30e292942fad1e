import t from 'tap'
import { createSemanticStore, type SemanticEntry } from '../../../../services/cache/semantic/store.js'

const v = (...xs: number[]) => Float32Array.from(xs)
const entry = (id: string, prompt: string, vector: Float32Array, createdAt = 0, scope = 's'): SemanticEntry =>
  ({ id, scope, prompt, response: { text: `answer to ${prompt}` }, vector, createdAt, responseTimeMs: 120 })

t.test('hits above the threshold in the same scope only, with the score', async (t) => {
  let clock = 0
  const store = createSemanticStore({ threshold: 0.9, maxEntries: 10, ttlMs: 1000, minWords: 3, now: () => clock })
  store.put(entry('a', 'What is AI?', v(1, 0, 0)))
  const hit = store.lookup('s', 'What is artificial intelligence?', v(0.95, Math.sqrt(1 - 0.95 ** 2), 0))
  t.equal(hit.hit, true)
  if (hit.hit) {
    t.equal(hit.entry.id, 'a')
    t.ok(Math.abs(hit.score - 0.95) < 1e-6)
    t.same(hit.entry.response, { text: 'answer to What is AI?' })
  }
  t.same(store.lookup('other', 'What is artificial intelligence?', v(1, 0, 0)), { hit: false, best: null, rejected: [] }, 'another scope never matches')
  const near = store.lookup('s', 'Tell me about robots', v(0.87, Math.sqrt(1 - 0.87 ** 2), 0))
  t.equal(near.hit, false)
  if (!near.hit) t.ok(Math.abs((near.best ?? 0) - 0.87) < 1e-6, 'a near miss (within 0.05 of the threshold) reports its best score')
  const far = store.lookup('s', 'Tell me about robots', v(0.8, 0.6, 0))
  t.same(far, { hit: false, best: null, rejected: [] }, 'farther candidates are not scored')
  clock = 1000
  t.equal(store.lookup('s', 'What is artificial intelligence?', v(1, 0, 0)).hit, false, 'expired at the TTL')
  t.equal(store.size, 0, 'the expired entry was dropped')
})

t.test('the guard vetoes a close candidate and the next one can still hit', async (t) => {
  const store = createSemanticStore({ threshold: 0.9, maxEntries: 10, ttlMs: 1000, minWords: 3, now: () => 0 })
  store.put(entry('off', 'How do I turn off dark mode?', v(1, 0, 0)))
  store.put(entry('on', 'How can I turn on dark mode?', v(0.96, 0.28, 0)))
  const r = store.lookup('s', 'How do I turn on dark mode?', v(1, 0, 0))
  t.equal(r.hit, true)
  if (r.hit) {
    t.equal(r.entry.id, 'on')
    t.same(r.rejected, ['antonym'])
  }
})

t.test('max entries evicts the least recently used; sweep drops expired ones', async (t) => {
  let clock = 0
  const store = createSemanticStore({ threshold: 0.9, maxEntries: 2, ttlMs: 100, minWords: 1, now: () => clock })
  store.put(entry('a', 'alpha one', v(1, 0, 0)))
  store.put(entry('b', 'beta two', v(0, 1, 0)))
  t.equal(store.lookup('s', 'alpha one', v(1, 0, 0)).hit, true, 'a is now the most recent')
  t.same(store.put(entry('c', 'gamma three', v(0, 0, 1))), ['b'])
  t.same([store.has('a'), store.has('b'), store.has('c')], [true, false, true])
  clock = 50
  t.same(store.put(entry('d', 'delta four', v(1, 1, 0), 50)), ['a'])
  t.same(store.put(entry('e', 'epsilon five', v(1, 0, 1), 50)), ['c'])
  clock = 100
  t.same(store.sweep(), [], 'nothing older than the TTL yet')
  clock = 150
  t.same(store.sweep(), ['d', 'e'])
  t.equal(store.size, 0)
  t.equal(store.scopes, 0, 'an emptied scope is dropped')
})
