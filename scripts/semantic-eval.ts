// npm run semantic:eval -- [--onnx DIR] [--ollama URL] [--model NAME] [--threshold X] [--sweep] [--errors PART]
// The semantic cache on the labelled corpus (test/fixtures/semantic-cache/pairs.jsonl), through the
// gateway's own store, guard and embedders: per category hits and false hits, for the tuning and the
// held-out part, and the agreement of two embedders when both are given. Without --onnx or --ollama
// it uses EMBED_ONNX_DIR, else the folder scripts/ollama-setup.sh prepares. The threshold and the
// minimum words are the gateway's (SEMANTIC_THRESHOLD, SEMANTIC_MIN_WORDS and their defaults).
import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { DEFAULT_ONNX_DIR, evaluate, loadPairs, partOf, report, type EmbedderSpec, type Part } from './semantic-eval/evaluation.js'
import { loadConfig } from '../schemas/config.js'

const { values } = parseArgs({
  options: {
    onnx: { type: 'string' },
    ollama: { type: 'string' },
    model: { type: 'string' },
    threshold: { type: 'string' },
    sweep: { type: 'boolean', default: false },
    errors: { type: 'string' }
  }
})
const config = loadConfig(process.env)
const threshold = values.threshold === undefined ? config.SEMANTIC_THRESHOLD : Number(values.threshold)
if (!(threshold >= 0 && threshold <= 1)) throw new Error(`--threshold must be a number in [0, 1], got ${values.threshold}`)

const specs: EmbedderSpec[] = []
const onnxDir = values.onnx ?? (values.ollama === undefined ? (config.EMBED_ONNX_DIR !== '' ? config.EMBED_ONNX_DIR : DEFAULT_ONNX_DIR) : undefined)
if (onnxDir !== undefined) {
  if (!existsSync(onnxDir)) throw new Error(`no sentence encoder in ${onnxDir}: run "npm run ollama:setup", or pass --onnx DIR (model.onnx + tokenizer.json) or --ollama URL`)
  specs.push({ kind: 'onnx', dir: onnxDir })
}
if (values.ollama !== undefined) specs.push({ kind: 'ollama', url: values.ollama, model: values.model ?? config.EMBED_MODEL })

const pairs = loadPairs()
const evaluations = []
for (const spec of specs) {
  const e = await evaluate(spec, pairs, { threshold, minWords: config.SEMANTIC_MIN_WORDS })
  console.error(`${e.source}: ${pairs.length} pairs embedded in ${(e.embedMs / 1000).toFixed(1)} s`)
  evaluations.push(e)
}
const sweepAt = values.sweep ? Array.from({ length: 15 }, (_, i) => 0.8 + i * 0.01) : []
console.log(report(evaluations, pairs, threshold, sweepAt))

if (values.errors !== undefined) {
  const part = values.errors as Part
  const byId = new Map(partOf(pairs, part).map((p) => [p.id, p]))
  for (const e of evaluations) {
    console.log(`${e.source}: wrong decisions in the ${part} part`)
    for (const d of e.decisions) {
      const p = byId.get(d.id)
      if (p === undefined || d.hit === (d.label === 'hit')) continue
      console.log(`  ${d.label === 'hit' ? 'missed' : 'FALSE HIT'} ${d.id} ${d.score.toFixed(3)} ${d.veto ?? ''}: ${p.a} | ${p.b}`)
    }
  }
}
