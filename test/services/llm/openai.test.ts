// The OpenAI <-> Ollama mapping: exact requests, encodings and error bodies.
import t from 'tap'
import { base64Embedding, modelList, textOf, toOllamaChat } from '../../../services/llm/openai.js'
import { renderError } from '../../../services/lib/error-shapes.js'

t.test('toOllamaChat: roles, text parts, token limits, stop, seed and response formats', async (t) => {
  t.same(toOllamaChat({
    model: 'm',
    messages: [{ role: 'developer', content: 'Be terse.' }, { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }],
    max_tokens: 5,
    max_completion_tokens: 9,
    stop: 'END',
    seed: 3,
    response_format: { type: 'json_object' }
  }), {
    model: 'm',
    messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'a\nb' }],
    options: { temperature: 1, top_p: 1, num_predict: 9, seed: 3, stop: ['END'], frequency_penalty: undefined, presence_penalty: undefined },
    format: 'json'
  })
  t.equal(toOllamaChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }).options?.num_predict, 5)
  t.notOk('format' in toOllamaChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'text' } }))
  const schema = { type: 'object', properties: { a: { type: 'string' } } }
  t.same(toOllamaChat({ model: 'm', messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'n', schema } } }).format, schema)
  t.equal(textOf('plain'), 'plain')
})

t.test('base64Embedding: little-endian float32 bytes, as OpenAI sends them', async (t) => {
  t.equal(base64Embedding([1, -2.5]), 'AACAPwAAIMA=')
  const bytes = Buffer.from(base64Embedding([0.1, 0.2, 0.3]), 'base64')
  t.same([0, 4, 8].map((o) => bytes.readFloatLE(o)), [Math.fround(0.1), Math.fround(0.2), Math.fround(0.3)])
})

t.test('modelList and OpenAI error shapes', async (t) => {
  t.same(modelList([{ name: 'tinyllama:latest', model: 'tinyllama:latest', modified_at: '2026-01-02T03:04:05Z' }, { name: 'acme/tiny:1b', model: 'acme/tiny:1b' }]), {
    object: 'list',
    data: [
      { id: 'tinyllama:latest', object: 'model', created: 1767323045, owned_by: 'library' },
      { id: 'acme/tiny:1b', object: 'model', created: 0, owned_by: 'acme' }
    ]
  })
  const openAIError = (err: Parameters<typeof renderError>[0]) => renderError(err, 'openai')
  t.same(openAIError({ message: 'body/messages/0/content must NOT have more than 8 characters', statusCode: 400, code: 'FST_ERR_VALIDATION', validationContext: 'body', validation: [{ instancePath: '/messages/0/content' }] }), {
    status: 400,
    body: { error: { message: 'body/messages/0/content must NOT have more than 8 characters', type: 'invalid_request_error', param: 'messages[0].content', code: 'FST_ERR_VALIDATION' } }
  })
  // A 500 that is not one of the catalogue's errors says only "Internal Server Error" (details in the log).
  t.same(openAIError({ message: 'boom' }), { status: 500, body: { error: { message: 'Internal Server Error', type: 'api_error', param: null, code: null } } })
  t.equal((openAIError({ message: 'gone', statusCode: 404, code: 'X' }).body as { error: { type: string } }).error.type, 'not_found_error')
})
