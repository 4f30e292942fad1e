// The LLM routes against a real Ollama (built from its Go module, SmolLM2-135M and all-MiniLM-L6-v2
// from PyPI wheels; scripts/ollama-setup.sh). Greedy decoding (temperature 0, fixed seed) makes
// Ollama repeat itself, so each gateway answer must equal a direct Ollama call with the same
// options: same text, same token counts, same stop reason. One Ollama serves the whole file.
import t from 'tap'
import { createOnnxEncoder } from '../../services/cache/semantic/onnx-encoder.js'
import { buildTestApp } from '../helpers/app.js'
import { ollamaJson, startRealOllama, warmUp } from '../helpers/ollama-real.js'

// Generation on one thread of a shared two-core machine: slow when other test files run, so this
// file gets more than the default 300 s (tap kills an overrunning file; the server goes with it).
t.setTimeout(15 * 60_000)
const ollama = await startRealOllama(t)
await warmUp(ollama)
const { generateModel: MODEL, embedModel: EMBED } = ollama.setup
const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_MODEL: MODEL, EMBED_MODEL: EMBED })
// Short answers keep the file fast on two cores.
const OPTIONS = { temperature: 0, seed: 42, num_predict: 16 }

const direct = <T = any>(path: string, body: object) => ollamaJson<T>(ollama.url, path, { model: MODEL, stream: false, ...body })
const lines = (body: string) => body.split('\n').filter(Boolean).map((l) => JSON.parse(l))
const sse = (body: string) => body.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''))
const cosine = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let dot = 0; let na = 0; let nb = 0
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
  return dot / Math.sqrt(na * nb)
}

t.test('the default models are the prepared ones', async (t) => {
  t.equal(MODEL, 'smollm2')
  t.equal(EMBED, 'all-minilm')
  const health = (await app.inject({ method: 'GET', url: '/health' })).json()
  t.match(health.dependencies.ollama, { status: 'up', model: MODEL, url: ollama.url }, '/health sees the real Ollama')
})

t.test('POST /api/v1/generate equals /api/generate: text, token counts, stop reason', async (t) => {
  const prompt = 'Write one sentence about the sea.'
  const want = await direct('/api/generate', { prompt, options: OPTIONS })
  t.ok(want.response.length > 0, `Ollama answered: ${JSON.stringify(want.response)}`)

  const res = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt, options: OPTIONS } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.response, want.response)
  t.equal(body.model, MODEL, 'OLLAMA_MODEL is the default model')
  t.equal(body.done_reason, want.done_reason)
  t.equal(body.usage.prompt_tokens, want.prompt_eval_count)
  t.equal(body.usage.completion_tokens, want.eval_count)
  t.ok(body.usage.total_duration_ms > 0)

  const streamed = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt, options: OPTIONS, stream: true } })
  t.match(streamed.headers['content-type'], /^application\/x-ndjson/)
  const chunks = lines(streamed.body)
  t.equal(chunks.map((c) => c.response).join(''), want.response, 'the streamed pieces join to the same text')
  t.match(chunks.at(-1), { done: true, done_reason: want.done_reason, prompt_eval_count: want.prompt_eval_count, eval_count: want.eval_count })
})

t.test('num_predict cuts the answer: done_reason "length" with exactly that many tokens', async (t) => {
  const prompt = 'List the planets of the solar system.'
  const options = { ...OPTIONS, num_predict: 5 }
  const want = await direct('/api/generate', { prompt, options })
  t.equal(want.done_reason, 'length')
  const body = (await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt, options } })).json()
  t.equal(body.done_reason, 'length')
  t.equal(body.usage.completion_tokens, 5)
  t.equal(body.response, want.response)
})

t.test('POST /api/v1/generate-secure: a clean prompt reaches Ollama unchanged', async (t) => {
  const prompt = 'Name three colours of the rainbow.'
  const want = await direct('/api/generate', { prompt, options: OPTIONS })
  const res = await app.inject({ method: 'POST', url: '/api/v1/generate-secure', payload: { prompt, options: OPTIONS } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.response, want.response)
  t.equal(body.model, MODEL)
  t.match(body.security_analysis, { injection_detected: false, blocked: false, sanitized: false })
})

t.test('POST /api/v1/chat: every turn sends Ollama the whole history', async (t) => {
  const system = 'You are a concise assistant.'
  const first = 'My name is Ada. What is a cat?'
  const second = 'What is my name?'

  const r1 = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: first, system, options: OPTIONS } })
  t.equal(r1.statusCode, 200)
  const b1 = r1.json()
  const want1 = await direct('/api/chat', { messages: [{ role: 'system', content: system }, { role: 'user', content: first }], options: OPTIONS })
  t.equal(b1.response, want1.message.content, 'turn 1 equals /api/chat with [system, user]')
  t.equal(b1.conversation_length, 1)

  const r2 = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: second, system, session_id: b1.session_id, options: OPTIONS } })
  const b2 = r2.json()
  const history = [
    { role: 'system', content: system },
    { role: 'user', content: first },
    { role: 'assistant', content: b1.response },
    { role: 'user', content: second }
  ]
  const want2 = await direct('/api/chat', { messages: history, options: OPTIONS })
  t.equal(b2.response, want2.message.content, 'turn 2 equals /api/chat with the whole history')
  t.equal(b2.session_id, b1.session_id)
  t.equal(b2.conversation_length, 2)
  // The same question without the history gets another answer: the history is what Ollama used.
  const alone = await direct('/api/chat', { messages: [history[0], history[3]], options: OPTIONS })
  t.not(b2.response, alone.message.content, 'without the history Ollama answers differently')

  const stored = (await app.inject({ method: 'GET', url: `/api/v1/chat/${b1.session_id}` })).json()
  t.same(stored.messages, history.slice(1).concat({ role: 'assistant', content: b2.response }))
})

t.test('POST /api/v1/chat stream: NDJSON pieces join to the /api/chat answer, and become memory', async (t) => {
  const prompt = 'Say hello to a new friend.'
  const want = await direct('/api/chat', { messages: [{ role: 'user', content: prompt }], options: OPTIONS })

  const res = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt, options: OPTIONS, stream: true } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/x-ndjson/)
  const chunks = lines(res.body)
  const answer = chunks.map((c) => c.message?.content ?? '').join('')
  t.equal(answer, want.message.content)
  const final = chunks.at(-1)
  t.match(final, { done: true, done_reason: want.done_reason, prompt_eval_count: want.prompt_eval_count, eval_count: want.eval_count })
  t.equal(final.session_id, res.headers['x-session-id'])

  const follow = 'And now say goodbye.'
  const next = (await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: follow, session_id: final.session_id, options: OPTIONS } })).json()
  const want2 = await direct('/api/chat', {
    messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: answer }, { role: 'user', content: follow }], options: OPTIONS
  })
  t.equal(next.response, want2.message.content, 'the streamed answer is part of the next turn\'s history')
  t.equal(next.conversation_length, 2)
})

t.test('POST /api/v2/generate: text and token_count equal /api/generate', async (t) => {
  const prompt = 'What is the capital of France?'
  const want = await direct('/api/generate', { prompt, options: OPTIONS })
  const res = await app.inject({ method: 'POST', url: '/api/v2/generate', payload: { prompt, options: OPTIONS } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.response, want.response)
  t.match(body.metadata, { api_version: 'v2', model_used: MODEL, token_count: want.eval_count, prompt_token_count: want.prompt_eval_count })
  const named = (await app.inject({ method: 'POST', url: '/api/v2/generate', payload: { prompt, model_version: MODEL, options: OPTIONS } })).json()
  t.equal(named.response, want.response, 'model_version names the same model')
})

t.test('POST /v1/chat/completions equals Ollama\'s own /v1/chat/completions', async (t) => {
  const request = { model: MODEL, temperature: 0, seed: 42, max_tokens: 16, messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: 'Why is the sky blue?' }] }
  const want = await ollamaJson(ollama.url, '/v1/chat/completions', request)
  const native = await direct('/api/chat', { messages: request.messages, options: { temperature: 0, seed: 42, num_predict: 16, top_p: 1 } })

  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: request })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.choices[0].message.content, want.choices[0].message.content)
  t.equal(body.choices[0].message.content, native.message.content)
  t.equal(body.choices[0].finish_reason, want.choices[0].finish_reason)
  t.same(body.usage, want.usage)
  t.same(body.usage, { prompt_tokens: native.prompt_eval_count, completion_tokens: native.eval_count, total_tokens: native.prompt_eval_count + native.eval_count })

  const cut = { ...request, max_tokens: 4 }
  const wantCut = await ollamaJson(ollama.url, '/v1/chat/completions', cut)
  const bodyCut = (await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: cut })).json()
  t.equal(bodyCut.choices[0].finish_reason, 'length')
  t.equal(wantCut.choices[0].finish_reason, 'length')
  t.equal(bodyCut.choices[0].message.content, wantCut.choices[0].message.content)
  t.equal(bodyCut.usage.completion_tokens, 4)
})

t.test('POST /v1/chat/completions stream with include_usage: deltas join to the plain answer, usage as Ollama counts', async (t) => {
  const request = { model: MODEL, temperature: 0, seed: 42, max_tokens: 16, messages: [{ role: 'user', content: 'Give me a tip for learning to cook.' }] }
  const want = await ollamaJson(ollama.url, '/v1/chat/completions', request)

  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...request, stream: true, stream_options: { include_usage: true } } })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/event-stream/)
  const events = sse(res.body)
  t.equal(events.at(-1), '[DONE]')
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e))
  t.equal(chunks[0].choices[0].delta.role, 'assistant')
  const text = chunks.filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta.content ?? '').join('')
  t.equal(text, want.choices[0].message.content)
  t.equal(chunks.at(-2).choices[0].finish_reason, want.choices[0].finish_reason)
  t.same(chunks.at(-1).choices, [])
  t.same(chunks.at(-1).usage, want.usage)

  const plain = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...request, stream: true } })
  const plainChunks = sse(plain.body).slice(0, -1).map((e) => JSON.parse(e))
  t.ok(plainChunks.every((c) => c.usage === undefined && c.choices.length === 1), 'no usage chunk unless asked')
  t.equal(plainChunks.map((c) => c.choices[0].delta.content ?? '').join(''), want.choices[0].message.content)
})

t.test('POST /v1/embeddings (encoding_format float) equals /api/embed within 1e-6', async (t) => {
  const input = ['What is artificial intelligence?', 'The cat sat on the mat.']
  const want = await ollamaJson<{ embeddings: number[][], prompt_eval_count: number }>(ollama.url, '/api/embed', { model: EMBED, input })
  const res = await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: EMBED, input, encoding_format: 'float' } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.data.length, 2)
  for (const [i, d] of body.data.entries()) {
    t.equal(d.index, i)
    t.equal(d.embedding.length, 384)
    t.ok(d.embedding.every((v: number, k: number) => Math.abs(v - want.embeddings[i][k]) <= 1e-6), `embedding ${i} equals Ollama's`)
  }
  t.same(body.usage, { prompt_tokens: want.prompt_eval_count, total_tokens: want.prompt_eval_count })
  const single = (await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: EMBED, input: input[0], encoding_format: 'float' } })).json()
  t.ok(single.data[0].embedding.every((v: number, k: number) => Math.abs(v - want.embeddings[0][k]) <= 1e-6), 'a single string input too')
})

t.test('the ONNX twin for EMBED_ONNX_DIR agrees with Ollama\'s all-minilm (cosine >= 0.99)', async (t) => {
  const encoder = await createOnnxEncoder(ollama.setup.embedOnnxDir)
  t.teardown(() => encoder.close())
  const texts = ['What is artificial intelligence?', 'The cat sat on the mat.', 'How do I turn on dark mode?', 'It rose by 12% last year, didn\'t it?', 'hello']
  const want = await ollamaJson<{ embeddings: number[][] }>(ollama.url, '/api/embed', { model: EMBED, input: texts })
  const got = await encoder.embed(texts)
  for (const [i, text] of texts.entries()) {
    t.equal(got[i].length, 384)
    const c = cosine(got[i], want.embeddings[i])
    t.ok(c >= 0.99, `${JSON.stringify(text)}: cosine ${c.toFixed(5)}`)
  }

  // Accents: the encoder strips them as BERT's tokenizer does (strip_accents follows lowercase);
  // Ollama's WordPiece only lowercases, so "café" is another token there. Ollama agrees with the
  // encoder once given the accent-free text.
  const accented = 'Café prices in Zürich'
  const [onnx] = await encoder.embed([accented])
  const ours = await ollamaJson<{ embeddings: number[][] }>(ollama.url, '/api/embed', { model: EMBED, input: [accented, 'Cafe prices in Zurich'] })
  t.ok(cosine(onnx, ours.embeddings[1]) >= 0.99, `accent-free in Ollama: cosine ${cosine(onnx, ours.embeddings[1]).toFixed(5)}`)
  t.ok(cosine(onnx, ours.embeddings[0]) < 0.9, `accented in Ollama differs: cosine ${cosine(onnx, ours.embeddings[0]).toFixed(5)}`)
})
