import t from 'tap'
import { createOnnxEncoder } from '../../../../services/cache/semantic/onnx-encoder.js'
import { createWordPiece } from '../../../../services/cache/semantic/wordpiece.js'
import { makeTinyEncoder, type TinyEncoder as Tiny } from '../../../helpers/tiny-encoder.js'

/** What the encoder must return: mean of (E[id] + T[0]) over the real tokens, L2-normalised. */
function expected (tiny: Tiny, ids: number[]): number[] {
  const sum = tiny.E[0].map((_, h) => ids.reduce((s, id) => s + Math.fround(tiny.E[id][h] + tiny.T[0][h]), 0) / ids.length)
  const norm = Math.sqrt(sum.reduce((s, x) => s + x * x, 0))
  return sum.map((x) => x / norm)
}

t.test('a tiny BERT-shaped encoder built with onnx.helper: tokens, pooling and normalisation', async (t) => {
  const tiny = await makeTinyEncoder(t)
  const dir = tiny.dir

  const wp = createWordPiece({ model: { vocab: tiny.vocab }, normalizer: { lowercase: true } })
  t.same(wp.encode('What is AI?'), { tokens: ['[CLS]', 'what', 'is', 'ai', '?', '[SEP]'], ids: [2, 4, 5, 6, 9, 3] })
  t.same(wp.encode('unable').tokens, ['[CLS]', 'un', '##able', '[SEP]'], 'greedy longest-match word pieces')
  t.same(wp.encode('Café, WORLD!').tokens, ['[CLS]', 'cafe', '[UNK]', 'world', '[UNK]', '[SEP]'], 'accents stripped, punctuation split, unknowns')
  t.same(wp.encode('unablex').tokens, ['[CLS]', '[UNK]', '[SEP]'], 'a word with an unknown tail is one [UNK]')
  t.same(wp.encode('what is ai what is ai', 5).ids, [2, 4, 5, 6, 3], 'truncated to max length including [CLS] and [SEP]')

  const encoder = await createOnnxEncoder(dir)
  t.teardown(() => encoder.close())
  const [a, b] = await encoder.embed(['What is AI?', 'explain artificial intelligence to me'])
  t.equal(a.length, 8)
  const want = expected(tiny, [2, 4, 5, 6, 9, 3])
  a.forEach((x, i) => t.ok(Math.abs(x - want[i]) < 1e-5, `a[${i}] ${x} ~ ${want[i]}`))
  const wantB = expected(tiny, [2, 10, 7, 8, 11, 12, 3])
  b.forEach((x, i) => t.ok(Math.abs(x - wantB[i]) < 1e-5, `b[${i}] ${x} ~ ${wantB[i]} (padding excluded from the mean)`))
  t.ok(Math.abs(a.reduce((s, x) => s + x * x, 0) - 1) < 1e-6, 'unit length')
  t.match(encoder.source, /^onnx:/)
})
