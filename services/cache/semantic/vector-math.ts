// Vector arithmetic for the semantic cache's index: normalisation, an unrolled dot product, popcount
// for SimHash codes and the Hamming screen's cutoff, and a seeded generator.

export function normalize (v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  const out = new Float32Array(v.length)
  if (s === 0) return out
  const inv = 1 / Math.sqrt(s)
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv
  return out
}

/** Dot product of q with the vector stored at offset `o` of `data`, unrolled by 4 (dims % 4 handled). */
export function dotAt (q: Float32Array, data: Float32Array, o: number, dims: number): number {
  let s0 = 0; let s1 = 0; let s2 = 0; let s3 = 0
  let d = 0
  for (; d + 3 < dims; d += 4) {
    s0 += q[d] * data[o + d]
    s1 += q[d + 1] * data[o + d + 1]
    s2 += q[d + 2] * data[o + d + 2]
    s3 += q[d + 3] * data[o + d + 3]
  }
  for (; d < dims; d++) s0 += q[d] * data[o + d]
  return s0 + s1 + s2 + s3
}

export function popcount (x: number): number {
  x = x - ((x >>> 1) & 0x55555555)
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return (((x + (x >>> 4)) & 0x0F0F0F0F) * 0x01010101) >>> 24
}

/** SimHash code length: 4 uint32 words per vector. */
export const BITS = 128
export const WORDS = BITS / 32

/** Largest Hamming distance a vector scoring >= minScore can plausibly have (see vector-index.ts). */
export function hammingCutoff (minScore: number): number {
  if (minScore <= -1) return BITS
  const p = Math.acos(Math.min(1, minScore)) / Math.PI
  return Math.min(BITS, Math.ceil(BITS * p + 5 * Math.sqrt(BITS * p * (1 - p))) + 1)
}

/** A small deterministic generator (mulberry32), so every replica draws the same hyperplanes. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
