// Conformance with the official OpenAI Python SDK (test/python/openai_sdk.py): the gateway listens on
// a free port with Ollama's double behind it; what the SDK returned or raised is asserted here, with
// what Ollama received (the double's call log).
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { projectRoot } from '../../../services/lib/project-root.js'
import { buildTestApp } from '../../helpers/app.js'
import { doubleEmbedding, startOllamaDouble } from '../../helpers/ollama-double.js'
import { runPythonJson } from '../../helpers/python.js'

const script = join(projectRoot, 'test', 'python', 'openai_sdk.py')
const f32 = (x: number) => Math.fround(x)

t.test('the OpenAI SDK: chat, streams, embeddings, models, parameters and its own exception classes', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, PROMPT_MAX_CHARS: '50000', OLLAMA_BREAKER_THRESHOLD: '50' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1`
  const py = await runPythonJson<Record<string, any>>(script, [base, 'up'])
  const sent = (text: string) => ollama.log.find((c) => c.body.messages?.some((m: { content: string }) => m.content.includes(text)))?.body

  t.match(py.plain, { id: /^chatcmpl-/, object: 'chat.completion', model: 'tinyllama', role: 'assistant', content: 'Answer to: plain question (turn 1)', finish_reason: 'stop' })
  t.same(py.plain.usage, { prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 })
  t.same(py.stream, { text: 'Answer to: stream question (turn 1)', first_role: 'assistant', finish_reasons: [null, null, null, null, null, null, 'stop'], usage: [null, null, null, null, null, null, null] })
  t.same(py.stream_usage, { last_choices: [], usage: { prompt_tokens: 2, completion_tokens: 6, total_tokens: 8 } })

  t.equal(py.parts.content, 'Answer to: first part\nsecond part (turn 1)', 'text parts are joined by a newline')
  t.same(sent('first part')?.messages, [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'first part\nsecond part' }], 'developer maps to system')
  const params = sent('params question')
  t.same(params?.options, { temperature: 0, top_p: 1, num_predict: 7, seed: 42, stop: ['\n\n', 'END'] }, 'max_completion_tokens, seed and stop reach Ollama')
  t.equal(params?.format, 'json', 'response_format json_object is Ollama format "json"')

  const expected = doubleEmbedding('What is AI?')
  t.same(py.embeddings_default.dims, [384, 384])
  t.same(py.embeddings_default.types, ['float'])
  t.same(py.embeddings_default.head, expected.slice(0, 4).map(f32), 'base64 decodes to the float32 values')
  t.same(py.embeddings_default.usage, { prompt_tokens: 2, total_tokens: 2 })
  t.equal(py.embeddings_wire, 'str', 'on the wire the default is a base64 string')
  t.equal(py.embeddings_float.dims, 384)
  t.ok(py.embeddings_float.head.every((v: number, i: number) => Math.abs(v - expected[i]) < 1e-12), 'float keeps the values')

  t.same(py.models.map((m: { id: string, object: string, owned_by: string }) => [m.id, m.object, m.owned_by]),
    [['tinyllama:latest', 'model', 'library'], ['all-minilm:latest', 'model', 'library'], ['llama3.2:latest', 'model', 'library']])

  t.same(py.not_found, { classes: ['NotFoundError', 'APIStatusError', 'APIError', 'OpenAIError'], status: 404, body: { message: "Ollama has no model 'gpt-4': model 'gpt-4' not found", type: 'not_found_error', param: null, code: 'GW_UPSTREAM_MODEL_NOT_FOUND' } })
  t.match(py.bad_request, { classes: ['BadRequestError', 'APIStatusError', 'APIError', 'OpenAIError'], status: 400, body: { type: 'invalid_request_error', param: 'messages', code: 'FST_ERR_VALIDATION', message: 'body/messages must NOT have fewer than 1 items' } })
  t.same(py.too_long, { classes: ['BadRequestError', 'APIStatusError', 'APIError', 'OpenAIError'], status: 400, body: { type: 'invalid_request_error', param: 'messages[0].content', code: 'GW_BAD_REQUEST', message: 'messages[0].content must NOT have more than 50000 characters (PROMPT_MAX_CHARS)' } })
  t.same(py.too_long_embedding, { classes: ['BadRequestError', 'APIStatusError', 'APIError', 'OpenAIError'], status: 400, body: { type: 'invalid_request_error', param: 'input', code: 'GW_BAD_REQUEST', message: 'input must NOT have more than 50000 characters (PROMPT_MAX_CHARS)' } })
  t.match(py.image_part, { classes: ['BadRequestError'], status: 400, body: { type: 'invalid_request_error' } })

  await ollama.close()
  const down = await runPythonJson<Record<string, any>>(script, [base, 'down'])
  for (const call of ['chat_down', 'embeddings_down', 'models_down']) {
    t.match(down[call], { classes: ['InternalServerError', 'APIStatusError'], status: 503, body: { type: 'api_error', param: null, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Ollama is unavailable/ } }, call)
  }
})
