// LLM accounting lives in the ollama decorator: every call counts itself (success, failure, or
// 'cached' when a cache answered), with the route it serves, streams included. First the plugin on
// a bare Fastify, then each LLM route through the whole gateway, reading /metrics.
import { createServer, request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { test, type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import healthPlugin from '../../plugins/health.js'
import metricsPlugin from '../../plugins/metrics.js'
import ollamaPlugin from '../../plugins/ollama.js'
import { loadConfig } from '../../schemas/config.js'
import { buildTestApp } from '../helpers/app.js'
import { startOllamaDouble } from '../helpers/ollama-double.js'
import { until } from '../helpers/redis.js'

/** The llm_* series of a /metrics text, one "name{labels} value" line each, sorted. */
const llmLines = (text: string, names = ['llm_requests_total', 'llm_tokens_total']) =>
  text.split('\n').filter((l) => names.some((n) => l.startsWith(n + '{'))).sort()

async function bare (t: Test, url: string) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig({ OLLAMA_URL: url }) })
  await app.register(metricsPlugin)
  await app.register(healthPlugin)
  await app.register(ollamaPlugin)
  t.teardown(() => app.close())
  await app.ready()
  return { app, lines: async () => llmLines(await app.metrics.registry.metrics()) }
}

test('the decorator counts each call: success with tokens, failure, cached, and a stream left before its end', async (t) => {
  const double = await startOllamaDouble(t)
  const { app, lines } = await bare(t, double.url)
  const { ollama } = app
  const req = { model: 'tinyllama', prompt: 'one two' }
  const r = await ollama.generate(req, { route: '/r' })
  t.equal(r.response, 'Answer to: one two')
  await t.rejects(ollama.generate({ model: 'nope', prompt: 'x' }, { route: '/r' }), { code: 'GW_UPSTREAM_MODEL_NOT_FOUND' })
  const hit = await ollama.generate(req, { route: '/r', cache: async () => ({ from: 'cache' }) })
  t.same(hit, { from: 'cache' }, 'the cache answered; Ollama was not called')
  const miss = await ollama.generate(req, { route: '/r', cache: async (upstream) => ({ fresh: (await upstream()).response }) })
  t.same(miss, { fresh: 'Answer to: one two' })
  await t.rejects(ollama.generate(req, { route: '/r', cache: async () => { throw new Error('store broke') } }), /store broke/)

  // A consumer that stops after the first chunk (a client gone mid-stream) ends the call as a failure.
  const stream = ollama.generateStream({ model: 'tinyllama', prompt: 'a b c d' }, { route: '/s' })
  t.equal((await stream.next()).value?.response, 'Answer ')
  await stream.return(undefined)
  // A stream read to its end counts its final chunk's tokens.
  const chunks = []
  for await (const c of ollama.chatStream({ model: 'tinyllama', messages: [{ role: 'user', content: 'hi' }] }, { route: '/s' })) chunks.push(c)
  t.equal(chunks.at(-1)?.eval_count, 5)
  t.same(await lines(), [
    'llm_requests_total{route="/r",model="nope",outcome="failure"} 1',
    'llm_requests_total{route="/r",model="tinyllama",outcome="cached"} 1',
    'llm_requests_total{route="/r",model="tinyllama",outcome="failure"} 1',
    'llm_requests_total{route="/r",model="tinyllama",outcome="success"} 2',
    'llm_requests_total{route="/s",model="tinyllama",outcome="failure"} 1',
    'llm_requests_total{route="/s",model="tinyllama",outcome="success"} 1',
    // generate 'one two' twice (2 prompt, 4 completion tokens each), chat 'hi' (1 prompt, 5 completion)
    'llm_tokens_total{model="tinyllama",kind="completion"} 13',
    'llm_tokens_total{model="tinyllama",kind="prompt"} 5'
  ])
})

test('native generate routes: success, stream, exact-cache hit and failures, per route', async (t) => {
  const double = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: double.url })
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
  t.equal((await post('/api/v1/generate', { prompt: 'What is AI?' })).statusCode, 200)
  t.equal((await post('/api/v1/generate', { prompt: 'Hello there', stream: true })).statusCode, 200)
  const det = { prompt: 'What is AI?', options: { temperature: 0 } }
  t.equal((await post('/api/v1/generate', det)).headers['x-cache'], 'MISS')
  t.equal((await post('/api/v1/generate', det)).headers['x-cache'], 'HIT')
  const secure = { prompt: 'Explain machine learning', options: { temperature: 0 } }
  await post('/api/v1/generate-secure', secure)
  t.equal((await post('/api/v1/generate-secure', secure)).headers['x-cache'], 'HIT')
  t.equal((await post('/api/v2/generate', { prompt: 'Hello v2', model_version: 'llama3.2' })).statusCode, 200)
  double.mode.kind = 'busy'
  t.equal((await post('/api/v1/generate', { prompt: 'hi' })).statusCode, 503)
  t.equal((await post('/api/v2/generate', { prompt: 'hi', model_version: 'llama3.2' })).statusCode, 503)
  double.mode.kind = 'error-mid-stream'
  t.match((await post('/api/v1/generate', { prompt: 'one two three four', stream: true })).body, /"error"/)
  const text = (await app.inject('/metrics')).body
  t.same(llmLines(text), [
    'llm_requests_total{route="/api/v1/generate",model="tinyllama",outcome="cached"} 1',
    'llm_requests_total{route="/api/v1/generate",model="tinyllama",outcome="failure"} 2',
    'llm_requests_total{route="/api/v1/generate",model="tinyllama",outcome="success"} 3',
    'llm_requests_total{route="/api/v1/generate-secure",model="tinyllama",outcome="cached"} 1',
    'llm_requests_total{route="/api/v1/generate-secure",model="tinyllama",outcome="success"} 1',
    'llm_requests_total{route="/api/v2/generate",model="llama3.2",outcome="failure"} 1',
    'llm_requests_total{route="/api/v2/generate",model="llama3.2",outcome="success"} 1',
    'llm_tokens_total{model="llama3.2",kind="completion"} 4',
    'llm_tokens_total{model="llama3.2",kind="prompt"} 2',
    // What is AI? (3 prompt, 5 completion) twice, Hello there (2, 4) streamed, Explain machine learning (3, 5)
    'llm_tokens_total{model="tinyllama",kind="completion"} 19',
    'llm_tokens_total{model="tinyllama",kind="prompt"} 11'
  ])
  t.match(text, /llm_upstream_duration_seconds_count\{model="tinyllama"\} 4\n/, 'four complete answers, the streamed one included')
})

test('chat, chat-semantic (semantic and exact hits), and the OpenAI routes with embeddings', async (t) => {
  const double = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: double.url })
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload })
  t.equal((await post('/api/v1/chat', { prompt: 'Hello', session_id: 'a' })).statusCode, 200)
  t.equal((await post('/api/v1/chat', { prompt: 'Again', session_id: 'b', stream: true })).statusCode, 200)

  t.equal((await post('/api/v1/chat-semantic', { prompt: 'What is AI?' })).headers['x-cache'], 'MISS')
  t.match((await post('/api/v1/chat-semantic', { prompt: 'What is artificial intelligence?' })).json().cache_info, { cache_type: 'semantic' })
  t.match((await post('/api/v1/chat-semantic', { prompt: 'What is AI?' })).json().cache_info, { cache_type: 'exact' })

  const user = [{ role: 'user', content: 'Hi there' }]
  t.equal((await post('/v1/chat/completions', { model: 'tinyllama', messages: user })).statusCode, 200)
  t.match((await post('/v1/chat/completions', { model: 'tinyllama', messages: user, stream: true })).body, /\[DONE\]/)
  t.equal((await post('/v1/chat/completions', { model: 'gpt-4', messages: user })).statusCode, 404)
  t.equal((await post('/v1/embeddings', { model: 'all-minilm', input: ['a b', 'c'] })).statusCode, 200)
  t.equal((await post('/v1/embeddings', { model: 'nope', input: 'x' })).statusCode, 404)

  double.mode.kind = 'error-mid-stream'
  t.match((await post('/api/v1/chat', { prompt: 'a b c d e', session_id: 'a', stream: true })).body, /"error"/)
  t.match((await post('/v1/chat/completions', { model: 'tinyllama', messages: user, stream: true })).body, /"error"/)
  double.mode.kind = 'busy'
  t.equal((await post('/api/v1/chat', { prompt: 'Hello', session_id: 'a' })).statusCode, 503)
  t.equal((await post('/api/v1/chat-semantic', { prompt: 'Tell me a joke' })).statusCode, 503)

  t.same(llmLines((await app.inject('/metrics')).body), [
    'llm_requests_total{route="/api/v1/chat",model="tinyllama",outcome="failure"} 2',
    'llm_requests_total{route="/api/v1/chat",model="tinyllama",outcome="success"} 2',
    'llm_requests_total{route="/api/v1/chat-semantic",model="tinyllama",outcome="cached"} 2',
    'llm_requests_total{route="/api/v1/chat-semantic",model="tinyllama",outcome="failure"} 1',
    'llm_requests_total{route="/api/v1/chat-semantic",model="tinyllama",outcome="success"} 1',
    'llm_requests_total{route="/v1/chat/completions",model="gpt-4",outcome="failure"} 1',
    'llm_requests_total{route="/v1/chat/completions",model="tinyllama",outcome="failure"} 1',
    'llm_requests_total{route="/v1/chat/completions",model="tinyllama",outcome="success"} 2',
    'llm_requests_total{route="/v1/embeddings",model="all-minilm",outcome="success"} 1',
    'llm_requests_total{route="/v1/embeddings",model="nope",outcome="failure"} 1',
    // The semantic cache's own embeddings (one per lookup; the failing one was the busy double's)
    'llm_requests_total{route="semantic-cache",model="all-minilm",outcome="failure"} 1',
    'llm_requests_total{route="semantic-cache",model="all-minilm",outcome="success"} 2',
    // /api/embed counts one prompt token per input: 2 (/v1/embeddings) + 1 + 1 (semantic lookups)
    'llm_tokens_total{model="all-minilm",kind="completion"} 0',
    'llm_tokens_total{model="all-minilm",kind="prompt"} 4',
    // chat Hello (1, 5), Again (1, 5); chat-semantic What is AI? (3, 5); completions Hi there (2, 6) twice
    'llm_tokens_total{model="tinyllama",kind="completion"} 27',
    'llm_tokens_total{model="tinyllama",kind="prompt"} 9'
  ])
})

test('a client leaving a stream: the gateway stops reading Ollama and counts a failure', async (t) => {
  // An upstream that sends one chunk and then holds the stream open, noting when the gateway hangs up.
  let closed = 0
  const upstream = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      const piece = req.url === '/api/chat' ? { message: { role: 'assistant', content: 'Hel' } } : { response: 'Hel' }
      res.write(JSON.stringify({ model: 'tinyllama', created_at: '', ...piece, done: false }) + '\n')
      res.on('close', () => { closed++ })
    })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { upstream.closeAllConnections(); upstream.close() })
  const app = await buildTestApp(t, { OLLAMA_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port

  /** Posts a streaming request, waits for its first bytes, then drops the connection. */
  const leave = (path: string, body: object) => new Promise<string>((resolve, reject) => {
    const req = httpRequest({ port, host: '127.0.0.1', path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.once('data', (d: Buffer) => { req.destroy(); resolve(d.toString()) })
    })
    req.on('error', (err) => { if (!req.destroyed) reject(err) })
    req.end(JSON.stringify(body))
  })
  t.match(await leave('/api/v1/generate', { prompt: 'hi', stream: true }), /"response":"Hel"/)
  t.match(await leave('/v1/chat/completions', { model: 'tinyllama', stream: true, messages: [{ role: 'user', content: 'hi' }] }), /"content":"Hel"/)
  // A chat turn left mid-stream lets the session's next turn in (else this second one would wait forever).
  for (let i = 0; i < 2; i++) t.match(await leave('/api/v1/chat', { prompt: 'hi', session_id: 'left', stream: true }), /"content":"Hel"/)
  await until(async () => closed === 4)
  await until(async () => llmLines((await app.inject('/metrics')).body).length === 3)
  t.same(llmLines((await app.inject('/metrics')).body), [
    'llm_requests_total{route="/api/v1/chat",model="tinyllama",outcome="failure"} 2',
    'llm_requests_total{route="/api/v1/generate",model="tinyllama",outcome="failure"} 1',
    'llm_requests_total{route="/v1/chat/completions",model="tinyllama",outcome="failure"} 1'
  ])
})
