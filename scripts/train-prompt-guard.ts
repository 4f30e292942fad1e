// `npm run guard:train`: trains the prompt guard's classifier (services/llm/prompt-guard/classifier.ts)
// on the tuning part of the corpus and writes services/llm/prompt-guard/classifier-weights.ts.
// `--check` writes nothing and exits 1 when the committed weights differ from a fresh training run
// (test/scripts/train-prompt-guard.test.ts runs it).
//
// Data: the tuning attacks and benign prompts of test/fixtures/prompt-guard, plus every prompt of the
// semantic-cache corpus as ordinary traffic. The held-out part is never read here.
// Model: logistic regression, SGD in a seeded order with an L2 penalty: the same data gives the same
// bytes on every machine. Threshold: from 5-fold cross-validation, the lowest score at which the
// guard (rules OR classifier) flags at most MAX_OOF_FP of the hard benign prompts it did not train on.
import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { encodeWeights, features, probability, type Weights } from '../services/llm/prompt-guard/classifier.js'
import { seededRandom } from '../services/cache/semantic/vector-math.js'
import { rulePatterns } from '../services/llm/prompt-guard/index.js'
import { projectRoot } from '../services/lib/project-root.js'
import { loadCorpus } from './lib/prompt-corpus.js'

const EPOCHS = 30
const RATE = 0.4
const L2 = 3e-3
const FOLDS = 5
const MAX_OOF_FP = 0.02
const OUT = join(projectRoot, 'services', 'llm', 'prompt-guard', 'classifier-weights.ts')

interface Example { feats: number[], label: 0 | 1, hard: boolean, ruled: boolean }

export function examples (): Example[] {
  const attacks = [...loadCorpus('attacks.txt'), ...loadCorpus('attacks.extra.txt')]
  const benign = [...loadCorpus('benign.txt'), ...loadCorpus('benign.extra.txt')]
  const traffic = readFileSync(join(projectRoot, 'test', 'fixtures', 'semantic-cache', 'pairs.jsonl'), 'utf8')
    .split('\n').filter((l) => l.trim() !== '')
    .flatMap((l) => { const p = JSON.parse(l) as { a: string, b: string }; return [p.a, p.b] })
  const make = (text: string, label: 0 | 1, hard: boolean): Example =>
    ({ feats: features(text), label, hard, ruled: rulePatterns(text).patterns.length > 0 })
  return [
    ...attacks.map((s) => make(s.text, 1, false)),
    ...benign.map((s) => make(s.text, 0, true)),
    ...[...new Set(traffic)].map((text) => make(text, 0, false))
  ]
}

export function train (data: Example[], seed = 1): Weights {
  const weights = new Map<number, number>()
  let bias = 0
  const random = seededRandom(seed) // mulberry32: the SGD order is fixed
  const order = data.map((_, i) => i)
  // Classes weighted to equal total mass, so the ordinary traffic does not drown the attacks.
  const positives = data.filter((e) => e.label === 1).length
  const weightOf = (label: number) => label === 1 ? data.length / (2 * positives) : data.length / (2 * (data.length - positives))
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]]
    }
    const rate = RATE / (1 + epoch / 5)
    for (const index of order) {
      const e = data[index]
      const p = probability({ bias, threshold: 0.5, weights }, e.feats)
      const g = (p - e.label) * weightOf(e.label)
      const scale = 1 / Math.sqrt(Math.max(1, e.feats.length))
      for (const f of e.feats) {
        const w = weights.get(f) ?? 0
        weights.set(f, w - rate * (g * scale + L2 * w))
      }
      bias -= rate * g * 0.1
    }
  }
  // Stored as float32: round now so training-time scores equal run-time ones.
  for (const [f, w] of weights) weights.set(f, Math.fround(w))
  return { bias: Math.fround(bias), threshold: 0.5, weights }
}

/** Out-of-fold scores (every example scored by a model that did not see it), then the threshold. */
export function chooseThreshold (data: Example[]): { threshold: number, oof: number[] } {
  const oof = new Array<number>(data.length)
  for (let fold = 0; fold < FOLDS; fold++) {
    const model = train(data.filter((_, i) => i % FOLDS !== fold), fold + 2)
    data.forEach((e, i) => { if (i % FOLDS === fold) oof[i] = probability(model, e.feats) })
  }
  const hard = data.map((e, i) => ({ e, s: oof[i] })).filter(({ e }) => e.hard)
  const budget = Math.floor(MAX_OOF_FP * hard.length)
  // Candidate thresholds just above each hard benign score, highest first: stop before the budget breaks.
  const candidates = [...new Set(hard.filter(({ e }) => !e.ruled).map(({ s }) => s))].sort((a, b) => b - a)
  let threshold = 0.99
  for (const c of candidates) {
    const flagged = hard.filter(({ e, s }) => e.ruled || s >= c).length
    if (flagged > budget) break
    threshold = c
  }
  return { threshold: Number(Math.min(0.99, Math.max(0.5, threshold + 1e-4)).toFixed(4)), oof }
}

export function render (model: Weights): string {
  const encoded = encodeWeights(model.bias, model.threshold, model.weights)
  const lines = encoded.pairs.match(/.{1,100}/g) ?? []
  return [
    '// Generated by `npm run guard:train` (scripts/train-prompt-guard.ts) from the tuning corpus; do not edit.',
    '// pairs: base64 of (uint32 feature index, float32 weight), little-endian.',
    'export const WEIGHTS = {',
    `  bias: ${model.bias},`,
    `  threshold: ${model.threshold},`,
    '  pairs: [',
    ...lines.map((l, i) => `    '${l}'${i < lines.length - 1 ? ',' : ''}`),
    '  ].join(\'\')',
    '}',
    ''
  ].join('\n')
}

export function fresh (): { source: string, report: string } {
  const data = examples()
  const { threshold, oof } = chooseThreshold(data)
  const model = { ...train(data), threshold }
  const rate = (pick: (e: Example) => boolean, hit: (e: Example, s: number) => boolean) => {
    const rows = data.map((e, i) => ({ e, s: oof[i] })).filter(({ e }) => pick(e))
    return `${rows.filter(({ e, s }) => hit(e, s)).length}/${rows.length}`
  }
  const report = [
    `examples: ${data.length}, features with a weight: ${model.weights.size}, threshold ${threshold}`,
    `cross-validated, rules OR classifier: attacks detected ${rate((e) => e.label === 1, (e, s) => e.ruled || s >= threshold)}` +
      ` (classifier alone ${rate((e) => e.label === 1, (_, s) => s >= threshold)}),` +
      ` hard benign flagged ${rate((e) => e.hard, (e, s) => e.ruled || s >= threshold)},` +
      ` ordinary traffic flagged ${rate((e) => e.label === 0 && !e.hard, (e, s) => e.ruled || s >= threshold)}`
  ].join('\n')
  return { source: render(model), report }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  const { source, report } = fresh()
  console.log(report)
  if (process.argv.includes('--check')) {
    const committed = await readFile(OUT, 'utf8').catch(() => '')
    if (committed !== source) {
      console.error('services/llm/prompt-guard/classifier-weights.ts is stale: run `npm run guard:train` and commit the result')
      process.exit(1)
    }
  } else {
    await writeFile(OUT, source)
    console.log(`wrote ${OUT}`)
  }
}
