// The prompt-guard corpus (test/fixtures/prompt-guard): one prompt a line, family, a tab, the prompt;
// `\n` and `\u{XXXX}` escapes; lines starting with # are comments. Read by the corpus test and by
// scripts/train-prompt-guard.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRoot } from '../../services/lib/project-root.js'

export interface Sample { family: string, text: string }

export function loadCorpus (file: string): Sample[] {
  return readFileSync(join(projectRoot, 'test', 'fixtures', 'prompt-guard', file), 'utf8')
    .split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      family: l.slice(0, l.indexOf('\t')),
      text: l.slice(l.indexOf('\t') + 1).replace(/\\n/g, '\n').replace(/\\u\{([0-9a-f]+)\}/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    }))
}
