import t from 'tap'
import { createVectorIndex, hammingCutoff, normalize, seededRandom } from '../../../../services/cache/semantic/vector-index.js'

const v = (...xs: number[]) => Float32Array.from(xs)

t.test('flat: exact scores, best first, threshold and k honoured, removal and slot reuse', async (t) => {
  const idx = createVectorIndex({ dims: 4 })
  const a = idx.add(v(1, 0, 0, 0))
  const b = idx.add(v(0.6, 0.8, 0, 0))
  const c = idx.add(v(0, 0, 3, 4)) // stored normalised: (0, 0, 0.6, 0.8)
  t.equal(idx.size, 3)
  t.same(Array.from(idx.vector(c)), [0, 0, 0.6000000238418579, 0.800000011920929])
  const r = idx.search(v(2, 0, 0, 0), 3, -1)
  t.same(r.map((m) => m.slot), [a, b, c])
  t.equal(r[0].score, 1)
  t.ok(Math.abs(r[1].score - 0.6) < 1e-6)
  t.equal(r[2].score, 0)
  t.same(idx.search(v(1, 0, 0, 0), 3, 0.7).map((m) => m.slot), [a], 'minScore drops weaker matches')
  t.same(idx.search(v(0.6, 0.8, 0, 0), 1, 0.5).map((m) => m.slot), [b], 'k = 1')
  idx.remove(a)
  t.equal(idx.size, 2)
  t.same(idx.search(v(1, 0, 0, 0), 3, 0.5).map((m) => m.slot), [b])
  t.equal(idx.add(v(0, 1, 0, 0)), a, 'a freed slot is reused')
  t.throws(() => idx.add(v(1, 2, 3)), /3 dimensions, the index 4/)
  idx.clear()
  t.equal(idx.size, 0)
  t.same(idx.search(v(1, 0, 0, 0)), [])
})

t.test('the Hamming screen admits every true match: cutoffs per threshold', async (t) => {
  t.equal(hammingCutoff(0.9), 40)
  t.equal(hammingCutoff(0.95), 31)
  t.equal(hammingCutoff(-1), 128)
  t.equal(hammingCutoff(1), 1)
})

t.test('partitioned: after a rebuild, near-duplicates above 0.9 are still found, like a flat scan', async (t) => {
  const rnd = seededRandom(7)
  const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
  const dims = 64
  const topics = Array.from({ length: 40 }, () => normalize(Float32Array.from({ length: dims }, gauss)))
  const jitter = (base: Float32Array, noise: number) => normalize(Float32Array.from(base, (x) => x + noise * gauss() / Math.sqrt(dims)))
  const idx = createVectorIndex({ dims, flatLimit: 500, random: rnd })
  const flat = createVectorIndex({ dims, flatLimit: 1e9 })
  const stored = Array.from({ length: 3000 }, (_, i) => jitter(topics[i % 40], 1))
  for (const s of stored) { idx.add(s); flat.add(s) }
  await idx.rebuild()
  t.equal(idx.partitions, 55, 'sqrt(n) partitions')
  t.equal(flat.partitions, 0)
  let compared = 0
  for (let i = 0; i < 300; i++) {
    const q = jitter(stored[(i * 7919) % stored.length], 0.3)
    const want = flat.search(q, 1, 0.9)
    const got = idx.search(q, 1, 0.9)
    if (want.length === 0) continue
    compared++
    t.equal(got[0]?.slot, want[0].slot, `query ${i}`)
  }
  t.ok(compared > 250, `${compared} queries had a match above 0.9`)
  // Removing during and after a rebuild keeps the partitions consistent.
  idx.remove(0)
  t.equal(idx.size, 2999)
  t.same(idx.search(stored[0], 1, 0.999), [])
})
