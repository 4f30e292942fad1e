import t from 'tap'
import { cacheKey, canonicalJson, isDeterministic, plainKey } from '../../../../services/cache/exact/keys.js'

t.test('canonical JSON: sorted keys at every depth, -0 as 0, arrays keep their order', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: -0 } }), '{"a":{"c":0,"d":[2,1]},"b":1}')
  t.equal(cacheKey('ns', { x: 1, y: 2 }), cacheKey('ns', { y: 2, x: 1 }))
  t.not(cacheKey('ns', [1, 2]), cacheKey('ns', [2, 1]))
  t.match(cacheKey('classify', ['iris', '1']), /^classify:[0-9a-f]{64}$/)
})

t.test('plain keys: the values in order, -0 as 0, names quoted so no two value lists share a key', async (t) => {
  t.equal(plainKey('classify', ['iris', '1', 'ab', 5.1, -0]), 'classify:["iris","1","ab",5.1,0]')
  t.not(plainKey('ns', ['a,b', 'c']), plainKey('ns', ['a', 'b,c']))
  t.not(plainKey('ns', [1, 2]), plainKey('ns', [2, 1]))
})

t.test('only temperature 0 or a fixed seed makes a generation cacheable', async (t) => {
  t.equal(isDeterministic(undefined), false)
  t.equal(isDeterministic({}), false, "Ollama's default temperature is 0.8")
  t.equal(isDeterministic({ temperature: 0.7 }), false)
  t.equal(isDeterministic({ temperature: 0 }), true)
  t.equal(isDeterministic({ seed: 42, temperature: 1 }), true)
  t.equal(isDeterministic({ seed: -1 }), false, 'seed -1 means random')
})
