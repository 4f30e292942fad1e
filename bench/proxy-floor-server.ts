// The floor of the LLM proxy: a bare Fastify route that forwards a generation to Ollama through an
// undici Pool (64 connections), with no validation, cache, metrics or logging beyond the gateway's
// level. What the gateway adds on top of this is its own cost; the rest is HTTP and the machine.
import Fastify from 'fastify'
import { Pool } from 'undici'

const pool = new Pool(process.env.OLLAMA_URL ?? 'http://127.0.0.1:11434', { connections: 64, keepAliveTimeout: 30_000 })
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
app.post('/api/v1/generate', async (request) => {
  const { prompt } = request.body as { prompt: string }
  const res = await pool.request({
    method: 'POST', path: '/api/generate', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'tinyllama', prompt, stream: false })
  })
  const r = JSON.parse(await res.body.text()) as { response: string, model: string, done_reason?: string, prompt_eval_count?: number, eval_count?: number, total_duration?: number }
  return { response: r.response, model: r.model, done_reason: r.done_reason ?? 'stop', usage: { prompt_tokens: r.prompt_eval_count ?? 0, completion_tokens: r.eval_count ?? 0, total_duration_ms: (r.total_duration ?? 0) / 1e6 } }
})
app.get('/health/live', async () => ({ status: 'ok' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.on('SIGTERM', () => { void app.close().then(() => pool.close()).then(() => process.exit(0)) })
