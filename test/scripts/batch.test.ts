// The batch CLI end to end: a gateway on a free port (Ollama double behind it), a prompts file,
// per-prompt errors recorded, a re-run that skips what is done.
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parsePrompts, runBatch } from '../../services/inference/batch.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { buildTestApp } from '../helpers/app.js'
import { startOllamaDouble } from '../helpers/ollama-double.js'

const run = (args: string[], cwd: string) => promisify(execFile)(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', 'batch.ts'), ...args], { cwd, timeout: 60_000 })
  .catch((err: { code: number, stdout: string, stderr: string }) => ({ ...err, failed: err.code }))

t.test('parsePrompts reads text lines and a quoted CSV prompt column', async (t) => {
  t.same(parsePrompts('a\n\n# comment\n b \n', 'txt'), ['a', 'b'])
  t.same(parsePrompts('id,prompt\n1,"Hello, world"\n2,"Say ""hi"""\n', 'csv'), ['Hello, world', 'Say "hi"'])
  t.throws(() => parsePrompts('id,text\n1,x\n', 'csv'), { message: 'CSV has no "prompt" column (columns: id, text)' })
})

t.test('runBatch keeps order, bounds concurrency and records failures', async (t) => {
  let active = 0
  let peak = 0
  const { results, summary } = await runBatch({
    prompts: ['a', 'bad', 'c', 'd'],
    previous: [{ index: 3, prompt: 'd', status: 'ok', response: 'old', latency_ms: 1 }],
    concurrency: 2,
    async generate (p) {
      active++; peak = Math.max(peak, active)
      await new Promise((resolve) => setTimeout(resolve, 5))
      active--
      if (p === 'bad') throw new Error('400 GW_BAD_REQUEST: nope')
      return p.toUpperCase()
    }
  })
  t.same(results.map((r) => [r.prompt, r.status, r.response ?? r.error]), [['a', 'ok', 'A'], ['bad', 'error', '400 GW_BAD_REQUEST: nope'], ['c', 'ok', 'C'], ['d', 'ok', 'old']])
  t.match(summary, { total: 4, succeeded: 3, failed: 1, skipped: 1 })
  t.equal(peak, 2)
})

t.test('npm run batch against a gateway: results, errors recorded, resumable', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, PROMPT_MAX_CHARS: '30' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const gateway = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const dir = t.testdir({ 'prompts.csv': 'id,prompt\n1,What is AI?\n2,"This prompt is far too long for the configured limit"\n3,"Hello, gateway"\n' })
  const first = await run(['--input', 'prompts.csv', '--output', 'out.json', '--gateway', gateway, '--concurrency', '2'], dir) as { stdout: string, stderr: string, failed?: number }
  t.equal(first.failed, 1, 'exit code 1 when a prompt failed')
  t.match(first.stdout, /batch: 3 prompts, 2 succeeded, 1 failed, 0 skipped/)
  t.match(first.stderr, /\[#{20}\] 3\/3 100%/)
  const out = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8'))
  t.same(out.results.map((r: { status: string, response?: string }) => [r.status, r.response]), [['ok', 'Answer to: What is AI?'], ['error', undefined], ['ok', 'Answer to: Hello, gateway']])
  t.match(out.results[1].error, /^400 FST_ERR_VALIDATION: body\/prompt must NOT have more than 30 characters/)
  const calls = ollama.calls['/api/generate']

  await writeFile(join(dir, 'prompts.csv'), 'id,prompt\n1,What is AI?\n2,Now short enough\n3,"Hello, gateway"\n')
  const second = await run(['--input', 'prompts.csv', '--output', 'out.json', '--gateway', gateway], dir) as { stdout: string, failed?: number }
  t.equal(second.failed, undefined, 'exit 0')
  t.match(second.stdout, /batch: 3 prompts, 3 succeeded, 0 failed, 2 skipped/)
  t.equal(ollama.calls['/api/generate'], calls + 1, 'only the missing prompt was sent')

  const samples = await run(['--create-samples'], dir) as { stdout: string }
  t.match(samples.stdout, /wrote sample_prompts.txt and sample_prompts.csv/)
  t.equal(parsePrompts(await readFile(join(dir, 'sample_prompts.csv'), 'utf8'), 'csv').length, 5)
})
