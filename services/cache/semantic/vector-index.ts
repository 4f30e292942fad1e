// In-process nearest-neighbour index over L2-normalised Float32Array vectors (dot product = cosine).
//
// A flat scan of 100k x 384 floats costs ~50 ms in JS (one multiply-add per ns, no SIMD), so past
// `flatLimit` entries the index becomes a partitioned scan (IVF): spherical k-means centroids over
// a sample, every vector filed under its nearest centroid, and a query scans only the lists of its
// `nprobe` nearest centroids (plus any list whose centroid is nearly as close as the best, so a
// near-duplicate sitting on a partition border is not missed). Caching only cares about neighbours
// above ~0.9 similarity, which sit next to the query and so almost always share its partitions;
// bench/cache.ts measures that recall together with the latency.
//
// Inside the scanned lists a 128-bit SimHash (signs of 128 random projections) screens vectors
// before the exact dot product: for two unit vectors at angle t the expected Hamming distance is
// 128 t / pi, so a query with threshold s only needs exact scores for codes within that distance
// for t = acos(s) plus 5 standard deviations (a true match is screened out with p < 1e-6).
//
// Re-partitioning runs when the index has grown 4x since the last one, in slices that yield to the
// event loop, while the old partitions keep answering.
import { BITS, WORDS, dotAt, hammingCutoff, normalize, popcount, seededRandom } from './vector-math.js'

export interface VectorIndexOptions {
  dims: number
  /** Up to this many vectors a query scans them all (exact). */
  flatLimit?: number
  /** Partitions scanned per query once partitioned. */
  nprobe?: number
  /** Also scan partitions whose centroid scores within this margin of the best centroid. */
  probeMargin?: number
  /** Injected for reproducible k-means seeding. */
  random?: () => number
  /** Milliseconds of work between yields during a rebuild. */
  sliceMs?: number
}

export interface Match { slot: number, score: number }

export { normalize, hammingCutoff, seededRandom } from './vector-math.js'

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

export function createVectorIndex (opts: VectorIndexOptions) {
  const dims = opts.dims
  const flatLimit = opts.flatLimit ?? 4096
  const nprobe = opts.nprobe ?? 16
  const probeMargin = opts.probeMargin ?? 0.05
  const random = opts.random ?? seededRandom(0x5eed)
  const sliceMs = opts.sliceMs ?? 5

  let capacity = 1024
  let data = new Float32Array(capacity * dims)
  let alive = new Uint8Array(capacity)
  let listOf = new Int32Array(capacity)
  let posInList = new Int32Array(capacity)
  let codes = new Uint32Array(capacity * WORDS)
  let highWater = 0
  const free: number[] = []
  let count = 0

  // Partitions: `lists[i]` holds slots; with no centroids there is one list and the scan is exact.
  let centroids: Float32Array | null = null
  let lists: number[][] = [[]]
  let trainedAt = 0
  let rebuilding: Promise<void> | null = null
  // Bumped by clear(), so a rebuild that started before it never swaps in stale partitions.
  let generation = 0
  const touchedDuringRebuild = new Set<number>()

  function grow () {
    capacity *= 2
    const d = new Float32Array(capacity * dims); d.set(data); data = d
    const a = new Uint8Array(capacity); a.set(alive); alive = a
    const l = new Int32Array(capacity); l.set(listOf); listOf = l
    const p = new Int32Array(capacity); p.set(posInList); posInList = p
    const c = new Uint32Array(capacity * WORDS); c.set(codes); codes = c
  }

  const planes = new Float32Array(BITS * dims)
  for (let i = 0; i < planes.length; i++) planes[i] = random() - 0.5

  function simhash (v: Float32Array, out: Uint32Array, o: number): void {
    for (let w = 0; w < WORDS; w++) {
      let word = 0
      for (let b = 0; b < 32; b++) if (dotAt(v, planes, (w * 32 + b) * dims, dims) > 0) word |= 1 << b
      out[o + w] = word >>> 0
    }
  }

  function nearestCentroid (c: Float32Array, n: number, v: Float32Array, vo: number): number {
    let best = -Infinity; let bi = 0
    const q = v.subarray(vo, vo + dims)
    for (let i = 0; i < n; i++) {
      const s = dotAt(q, c, i * dims, dims)
      if (s > best) { best = s; bi = i }
    }
    return bi
  }

  function file (slot: number, list: number) {
    listOf[slot] = list
    posInList[slot] = lists[list].length
    lists[list].push(slot)
  }

  function unfile (slot: number) {
    const list = lists[listOf[slot]]
    const pos = posInList[slot]
    const last = list.pop() as number
    if (last !== slot) { list[pos] = last; posInList[last] = pos }
  }

  function add (vector: Float32Array): number {
    if (vector.length !== dims) throw new RangeError(`vector has ${vector.length} dimensions, the index ${dims}`)
    const slot = free.pop() ?? highWater++
    if (slot >= capacity) grow()
    const v = normalize(vector)
    data.set(v, slot * dims)
    simhash(v, codes, slot * WORDS)
    alive[slot] = 1
    count++
    file(slot, centroids === null ? 0 : nearestCentroid(centroids, lists.length, data, slot * dims))
    if (rebuilding !== null) touchedDuringRebuild.add(slot)
    else if (stale()) background()
    return slot
  }

  function remove (slot: number): void {
    if (slot < 0 || slot >= highWater || alive[slot] === 0) return
    unfile(slot)
    alive[slot] = 0
    free.push(slot)
    count--
  }

  /** The k best matches scoring at least minScore, best first. */
  function search (query: Float32Array, k = 1, minScore = -1): Match[] {
    const q = normalize(query)
    const top: Match[] = []
    const consider = (slot: number, score: number) => {
      if (score < minScore || (top.length === k && score <= top[k - 1].score)) return
      let i = top.length < k ? top.length : k - 1
      while (i > 0 && top[i - 1].score < score) { top[i] = top[i - 1]; i-- }
      top[i] = { slot, score }
    }
    const qc = new Uint32Array(WORDS)
    simhash(q, qc, 0)
    const cutoff = hammingCutoff(minScore)
    const [c0, c1, c2, c3] = qc
    const scan = (list: number[]) => {
      for (let j = 0; j < list.length; j++) {
        const s = list[j]
        const o = s * WORDS
        if (popcount(codes[o] ^ c0) + popcount(codes[o + 1] ^ c1) + popcount(codes[o + 2] ^ c2) + popcount(codes[o + 3] ^ c3) > cutoff) continue
        consider(s, dotAt(q, data, s * dims, dims))
      }
    }
    if (centroids === null) { scan(lists[0]); return top }
    const n = lists.length
    const scores = new Float32Array(n)
    for (let i = 0; i < n; i++) scores[i] = dotAt(q, centroids, i * dims, dims)
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a])
    const floor = scores[order[0]] - probeMargin
    for (let r = 0; r < n && (r < nprobe || scores[order[r]] >= floor); r++) scan(lists[order[r]])
    return top
  }

  const stale = () => count >= flatLimit && count >= 4 * trainedAt
  // A failed re-partitioning only costs speed: the current partitions keep answering exactly.
  const background = () => { rebuild().catch(() => {}) }

  /**
   * Re-partitions for the current size with spherical k-means over a sample; cooperative (yields
   * every sliceMs), the old partitions serve meanwhile. A call during a rebuild waits for it and
   * then rebuilds again if the index has outgrown it.
   */
  async function rebuild (): Promise<void> {
    if (rebuilding !== null) {
      const size = count
      await rebuilding
      if (trainedAt < size) await rebuild()
      return
    }
    const started = generation
    rebuilding = (async () => {
      const n = count
      const nlist = Math.max(16, Math.min(256, Math.round(Math.sqrt(n))))
      const slots: number[] = []
      for (let s = 0; s < highWater; s++) if (alive[s] === 1) slots.push(s)
      const sample = slots.length <= nlist * 8 ? slots : Array.from({ length: nlist * 8 }, () => slots[Math.floor(random() * slots.length)])
      const c = new Float32Array(nlist * dims)
      sample.slice(0, nlist).forEach((s, i) => c.set(data.subarray(s * dims, (s + 1) * dims), i * dims))
      let t0 = performance.now()
      const pause = async () => { if (performance.now() - t0 > sliceMs) { await yieldToLoop(); t0 = performance.now() } }
      for (let iter = 0; iter < 4; iter++) {
        const sums = new Float32Array(nlist * dims)
        for (const s of sample) {
          if (alive[s] === 0) continue
          const ci = nearestCentroid(c, nlist, data, s * dims)
          for (let d = 0; d < dims; d++) sums[ci * dims + d] += data[s * dims + d]
          await pause()
        }
        for (let i = 0; i < nlist; i++) {
          const v = normalize(sums.subarray(i * dims, (i + 1) * dims))
          // An empty cluster keeps its seed rather than collapsing to the zero vector.
          if (v.some((x) => x !== 0)) c.set(v, i * dims)
        }
      }
      const assign = new Int32Array(highWater)
      for (const s of slots) { assign[s] = nearestCentroid(c, nlist, data, s * dims); await pause() }
      if (started !== generation) return
      // Swap: vectors added (or slots reused) while we worked are filed against the new centroids now.
      const limit = highWater
      centroids = c
      lists = Array.from({ length: nlist }, () => [])
      for (let s = 0; s < limit; s++) {
        if (alive[s] === 0) continue
        file(s, s >= assign.length || touchedDuringRebuild.has(s) ? nearestCentroid(c, nlist, data, s * dims) : assign[s])
      }
      touchedDuringRebuild.clear()
      trainedAt = n
    })()
    try { await rebuilding } finally { rebuilding = null }
    if (stale()) background()
  }

  return {
    dims,
    add,
    remove,
    search,
    rebuild,
    vector: (slot: number) => data.subarray(slot * dims, (slot + 1) * dims),
    get size () { return count },
    get partitions () { return centroids === null ? 0 : lists.length },
    clear () {
      for (let s = 0; s < highWater; s++) alive[s] = 0
      free.length = 0
      highWater = 0
      count = 0
      centroids = null
      lists = [[]]
      trainedAt = 0
      touchedDuringRebuild.clear()
      generation++
    }
  }
}

export type VectorIndex = ReturnType<typeof createVectorIndex>
