// A tiny BERT-shaped ONNX sentence encoder (test/python/tiny_encoder.py) in a temp dir, for EMBED_ONNX_DIR.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { runPythonJson } from './python.js'

export interface TinyEncoder { dir: string, vocab: Record<string, number>, E: number[][], T: number[][] }

export async function makeTinyEncoder (t: Test): Promise<TinyEncoder> {
  const dir = await mkdtemp(join(tmpdir(), 'tiny-encoder-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const tables = await runPythonJson<Omit<TinyEncoder, 'dir'>>(join(projectRoot, 'test', 'python', 'tiny_encoder.py'), [dir])
  return { dir, ...tables }
}
