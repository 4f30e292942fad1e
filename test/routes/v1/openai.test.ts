// OpenAI-compatible routes against the Ollama-protocol double: shapes, SSE sequence, error shape.
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { doubleEmbedding, startOllamaDouble } from '../../helpers/ollama-double.js'

t.test('POST /v1/chat/completions (non-stream): OpenAI shape, Ollama /v1 defaults', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', max_tokens: 50, messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'Hi there' }] } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.match(body, {
    id: /^chatcmpl-[0-9a-f]{12}$/,
    object: 'chat.completion',
    model: 'tinyllama',
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Answer to: Hi there (turn 1)' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 4, completion_tokens: 6, total_tokens: 10 }
  })
  t.same(ollama.log.at(-1)?.body.options, { temperature: 1, top_p: 1, num_predict: 50 }, 'temperature and top_p default to 1.0, max_tokens maps to num_predict')
})

t.test('stream: true gives SSE chunks: role first, a finish chunk, usage when asked, then [DONE]', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi there' }] } })
  t.match(res.headers['content-type'], /^text\/event-stream/)
  const events = res.body.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''))
  t.equal(events.at(-1), '[DONE]')
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e))
  t.same(chunks[0].choices[0].delta, { role: 'assistant', content: 'Answer ' })
  t.same(chunks[1].choices[0].delta, { content: 'to: ' })
  t.equal(chunks.slice(0, -2).map((c) => c.choices[0].delta.content).join(''), 'Answer to: Hi there (turn 1)')
  t.same(chunks.at(-2).choices[0], { index: 0, delta: {}, finish_reason: 'stop' })
  t.same(chunks.at(-1).choices, [])
  t.same(chunks.at(-1).usage, { prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 })
  t.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id))
})

t.test('errors use the OpenAI shape; embeddings map onto /api/embed', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const missing = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] } })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: { message: "Ollama has no model 'gpt-4': model 'gpt-4' not found", type: 'not_found_error', param: null, code: 'GW_UPSTREAM_MODEL_NOT_FOUND' } })
  const invalid = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', messages: [] } })
  t.equal(invalid.statusCode, 400)
  t.match(invalid.json().error, { type: 'invalid_request_error', message: /messages must NOT have fewer than 1 items/ })

  const emb = await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: 'all-minilm', input: ['What is AI?', 'Hello'] } })
  const body = emb.json()
  t.equal(body.object, 'list')
  t.equal(body.data.length, 2)
  t.same(body.data.map((d: { index: number, object: string }) => [d.index, d.object]), [[0, 'embedding'], [1, 'embedding']])
  t.equal(body.data[0].embedding.length, 384)
  t.ok(body.data[0].embedding.every((v: number, i: number) => Math.abs(v - doubleEmbedding('What is AI?')[i]) < 1e-12))
  t.same(body.usage, { prompt_tokens: 2, total_tokens: 2 })

  await ollama.close()
  const down = await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: 'all-minilm', input: 'x' } })
  t.equal(down.statusCode, 503)
  t.equal(down.headers['retry-after'], '1')
  t.match(down.json().error, { type: 'api_error', code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Ollama is unavailable/ })
})

t.test('a failure mid-stream ends the SSE stream with an OpenAI error event, then [DONE]', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  ollama.mode.kind = 'error-mid-stream'
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', stream: true, messages: [{ role: 'user', content: 'Hi there' }] } })
  t.equal(res.statusCode, 200)
  const events = res.body.split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''))
  t.same(events.slice(-2), [
    JSON.stringify({ error: { message: 'Ollama sent an invalid answer: error in the stream: the model failed to generate a response', type: 'api_error', param: null, code: 'GW_UPSTREAM_BAD_RESPONSE' } }),
    '[DONE]'
  ])
})

t.test('GET /v1/models lists the Ollama models; TF Serving keeps /v1/models/{name}', async (t) => {
  const ollama = await startOllamaDouble(t, { models: ['tinyllama:latest', 'acme/coder:7b'] })
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const list = await app.inject('/v1/models')
  t.equal(list.statusCode, 200)
  t.same(list.json(), { object: 'list', data: [{ id: 'tinyllama:latest', object: 'model', created: 0, owned_by: 'library' }, { id: 'acme/coder:7b', object: 'model', created: 0, owned_by: 'acme' }] })
  const tf = await app.inject('/v1/models/iris')
  t.equal(tf.statusCode, 200)
  t.match(tf.json(), { model_version_status: [{ state: 'AVAILABLE' }] })
  await ollama.close()
  const down = await app.inject('/v1/models')
  t.equal(down.statusCode, 503)
  t.match(down.json().error, { type: 'api_error', code: 'GW_UPSTREAM_UNAVAILABLE' })
})

t.test('base64 embeddings, PROMPT_MAX_CHARS and the 400 shape naming the field', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, PROMPT_MAX_CHARS: '20' })
  const emb = (await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: 'all-minilm', input: 'What is AI?', encoding_format: 'base64' } })).json()
  const bytes = Buffer.from(emb.data[0].embedding, 'base64')
  t.equal(bytes.length, 384 * 4)
  t.same([0, 1, 383].map((i) => bytes.readFloatLE(i * 4)), [0, 1, 383].map((i) => Math.fround(doubleEmbedding('What is AI?')[i])))
  const long = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', messages: [{ role: 'user', content: 'x'.repeat(21) }] } })
  t.equal(long.statusCode, 400)
  t.same(long.json(), { error: { message: 'messages[0].content must NOT have more than 20 characters (PROMPT_MAX_CHARS)', type: 'invalid_request_error', param: 'messages[0].content', code: 'GW_BAD_REQUEST' } })
  const parts = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'tinyllama', messages: [{ role: 'user', content: 'ok' }, { role: 'user', content: [{ type: 'text', text: 'y'.repeat(10) }, { type: 'text', text: 'z'.repeat(10) }] }] } })
  t.equal(parts.statusCode, 400)
  t.match(parts.json().error, { param: 'messages[1].content', message: /^messages\[1\]\.content must NOT have more than 20 characters/ }, 'text parts count together (with their newline)')
  const input = await app.inject({ method: 'POST', url: '/v1/embeddings', payload: { model: 'all-minilm', input: ['short', 'w'.repeat(21)] } })
  t.equal(input.statusCode, 400)
  t.match(input.json().error, { type: 'invalid_request_error', param: 'input[1]', code: 'GW_BAD_REQUEST' })
  t.equal(ollama.calls['/api/chat'], undefined, 'nothing too long reached Ollama')
  t.equal(ollama.calls['/api/embed'], 1)
})
