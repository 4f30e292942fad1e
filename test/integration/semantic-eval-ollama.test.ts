// The semantic cache on the labelled corpus with Ollama's all-minilm (/api/embed, F16 GGUF of
// all-MiniLM-L6-v2) next to the ONNX export of the same encoder: the same targets at the default
// threshold, and the two embedders deciding alike on >= 98 % of the pairs.
// Ollama: OLLAMA_URL when set, else the real server of test/helpers/ollama-real.ts (prepared by
// `npm run ollama:setup`); in CI a missing server or encoder is a failure.
// The whole corpus is 809 prompts: minutes on a busy two-core machine, hence the long timeout.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t, { type Test } from 'tap'
import { DEFAULT_ONNX_DIR, agreement, evaluate, loadPairs, report, summarize } from '../../scripts/semantic-eval/evaluation.js'
import { loadConfig } from '../../schemas/config.js'
import { projectRoot } from '../../services/lib/project-root.js'

// The file's own time limit (the runner's default is .taprc's 300 s).
t.setTimeout(3_600_000)

const config = loadConfig({})
const dir = process.env.EMBED_ONNX_DIR !== undefined && process.env.EMBED_ONNX_DIR !== '' ? process.env.EMBED_ONNX_DIR : DEFAULT_ONNX_DIR
// The real-server helper comes with the Ollama set-up; it is loaded by path so that this file also
// runs (against OLLAMA_URL) where the helper is absent.
const helper = join(projectRoot, 'test', 'helpers', 'ollama-real.ts')

async function ollamaUrl (t: Test): Promise<string | null> {
  const url = process.env.OLLAMA_URL ?? ''
  if (url !== '') return await fetch(`${url}/api/version`).then((r) => r.ok ? url : null, () => null)
  if (!existsSync(helper)) return null
  const { startRealOllama } = await import(pathToFileURL(helper).href) as { startRealOllama: (t: Test) => Promise<{ url: string }> }
  return (await startRealOllama(t)).url
}

t.test(`Ollama all-minilm and the ONNX encoder at the default threshold ${config.SEMANTIC_THRESHOLD}`, { timeout: 3_600_000 }, async (t) => {
  const url = await ollamaUrl(t)
  const missing = url === null
    ? `no Ollama: set OLLAMA_URL (e.g. "npm run ollama:start"), or provide ${helper}`
    : !existsSync(join(dir, 'model.onnx')) ? `no sentence encoder in ${dir}: run "npm run ollama:setup" or set EMBED_ONNX_DIR` : null
  if (url === null || missing !== null) {
    if (process.env.CI !== undefined && process.env.CI !== '') t.fail(missing ?? '')
    else t.plan(0, missing ?? '')
    return
  }
  const pairs = loadPairs()
  const opts = { threshold: config.SEMANTIC_THRESHOLD, minWords: config.SEMANTIC_MIN_WORDS }
  const ollama = await evaluate({ kind: 'ollama', url, model: config.EMBED_MODEL }, pairs, opts)
  const onnx = await evaluate({ kind: 'onnx', dir }, pairs, opts)
  t.comment(report([onnx, ollama], pairs, config.SEMANTIC_THRESHOLD))
  const s = summarize(ollama.decisions, config.SEMANTIC_THRESHOLD)
  t.ok(s.falseHitRate <= 0.01, `Ollama: false hits ${s.falseHits}/${s.nearMisses}`)
  t.ok(s.paraphraseHitRate >= 0.6, `Ollama: paraphrase hits ${s.paraphraseHits}/${s.paraphrases}`)
  const a = agreement(onnx.decisions, ollama.decisions, config.SEMANTIC_THRESHOLD)
  t.ok(a.rate >= 0.98, `the embedders agree on ${a.agree}/${a.pairs} pairs (differing: ${a.differing.join(', ')})`)
})
