// The MCP LLM tools (generate, chat) against a real Ollama (test/helpers/ollama-real.ts), through the
// SDK's own client and the gateway listening on a free port. Greedy decoding (temperature 0, fixed
// seed) makes Ollama repeat itself, so each tool answer must equal a direct Ollama call with the same
// options: same text, same token counts, same stop reason. The LLM metrics count the calls under
// the MCP route.
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { buildTestApp } from '../helpers/app.js'
import { ollamaJson, startRealOllama, warmUp } from '../helpers/ollama-real.js'

// Generation on one thread of a shared two-core machine (see ollama-real.test.ts).
t.setTimeout(15 * 60_000)
const ollama = await startRealOllama(t)
await warmUp(ollama)
const MODEL = ollama.setup.generateModel
const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_MODEL: MODEL })
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const client = new Client({ name: 'gateway-test', version: '1.0.0' })
await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))
t.teardown(() => client.close())
const OPTIONS = { temperature: 0, seed: 42, num_predict: 16 }

const direct = <T = any>(path: string, body: object) => ollamaJson<T>(ollama.url, path, { model: MODEL, stream: false, ...body })
const call = async (name: string, args: Record<string, unknown>) => await client.callTool({ name, arguments: args }) as CallToolResult

t.test('generate: the answer of a direct /api/generate, with usage and the guard\'s analysis', async (t) => {
  const prompt = 'Write one sentence about the sea.'
  const want = await direct('/api/generate', { prompt, options: OPTIONS })
  t.ok(want.response.length > 0, `Ollama answered: ${JSON.stringify(want.response)}`)
  const r = await call('generate', { prompt, options: OPTIONS })
  t.notOk(r.isError, JSON.stringify(r.content))
  const body = r.structuredContent as Record<string, any>
  t.equal(body.response, want.response)
  t.equal(body.model, MODEL, 'OLLAMA_MODEL is the default model')
  t.equal(body.done_reason, want.done_reason)
  t.equal(body.usage.prompt_tokens, want.prompt_eval_count)
  t.equal(body.usage.completion_tokens, want.eval_count)
  t.ok(body.usage.total_duration_ms > 0)
  t.match(body.security_analysis, { blocked: false, injection_detected: false, original_length: prompt.length })
})

t.test('chat: the answer of a direct /api/chat for the same conversation', async (t) => {
  const messages = [{ role: 'system', content: 'Answer in one short sentence.' }, { role: 'user', content: 'What colour is the sky on a clear day?' }]
  const want = await direct('/api/chat', { messages, options: OPTIONS })
  const r = await call('chat', { messages, options: OPTIONS })
  t.notOk(r.isError, JSON.stringify(r.content))
  const body = r.structuredContent as Record<string, any>
  t.equal(body.response, want.message.content)
  t.ok(body.response.length > 0)
  t.equal(body.done_reason, want.done_reason)
  t.same(body.usage.completion_tokens, want.eval_count)
})

t.test('an unknown Ollama model is a tool error with the 404 code', async (t) => {
  const r = await call('generate', { prompt: 'Hello', model: 'no-such-model', options: OPTIONS })
  t.equal(r.isError, true)
  t.match((r.structuredContent as any).error, { code: 'GW_UPSTREAM_MODEL_NOT_FOUND', statusCode: 404, message: /no-such-model/ })
})

t.test('the LLM metrics count the MCP calls under their route', async (t) => {
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, new RegExp(`llm_requests_total\\{route="/mcp#generate",model="${MODEL}",outcome="success"\\} 1`))
  t.match(metrics, new RegExp(`llm_requests_total\\{route="/mcp#chat",model="${MODEL}",outcome="success"\\} 1`))
})
