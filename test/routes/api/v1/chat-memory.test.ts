// Chat memory that holds up: concurrent turns on one session in order (in-process and Redis), a
// stopped Redis costing the memory but not the answer, server-minted ids, sessions bound to the
// caller's Authorization, and the per-session character cap.
import t, { type Test } from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { startOllamaDouble } from '../../../helpers/ollama-double.js'
import { startRedis, until } from '../../../helpers/redis.js'

type App = Awaited<ReturnType<typeof buildTestApp>>
const chat = (app: App, payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/chat', payload, headers })

/** Ten turns sent at once, spread over the given gateway instances. */
async function tenConcurrentTurns (t: Test, apps: App[]) {
  const app = apps[0]
  const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) => (await chat(apps[i % apps.length], { prompt: `q${i}`, session_id: 'busy' })).json()))
  // Each turn saw every earlier one: the model was sent 1, 2, ... 10 user turns.
  t.same(answers.map((a) => a.conversation_length).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.same(answers.map((a) => Number(/\(turn (\d+)\)$/.exec(a.response)?.[1])).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  const stored = (await app.inject('/api/v1/chat/busy')).json()
  t.equal(stored.messages.length, 20, 'all ten turns stored: 20 messages')
  t.same(stored.memory_stats, { total_messages: 20, human_messages: 10, ai_messages: 10, window_messages: 20, window_tokens: 70 }, 'qN: 1 token; its answer (22-23 characters): 6')
  // Stored in order: each answer follows its question and names its turn number.
  for (let i = 0; i < 20; i += 2) t.equal(stored.messages[i + 1].content, `Answer to: ${stored.messages[i].content as string} (turn ${i / 2 + 1})`)
}

t.test('10 concurrent turns on one session are serialised (in-process store)', async (t) => {
  const ollama = await startOllamaDouble(t, { latencyMs: 15 })
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  t.equal(app.chatMemory.backend, 'memory')
  await tenConcurrentTurns(t, [app])
})

t.test('10 concurrent turns on one session are serialised (Redis store)', async (t) => {
  const ollama = await startOllamaDouble(t, { latencyMs: 15 })
  const redis = await startRedis(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  await until(() => app.redis?.status === 'ready')
  t.equal(app.chatMemory.backend, 'redis')
  await tenConcurrentTurns(t, [app])
  t.same(await app.redis?.keys('*chat:*'), ['gw:chat:anon:busy'], 'one session key; the turn lock is gone')
})

t.test('... and across two replicas sharing Redis (the lock key)', async (t) => {
  const ollama = await startOllamaDouble(t, { latencyMs: 15 })
  const redis = await startRedis(t)
  const a = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  const b = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  await tenConcurrentTurns(t, [a, b])
})

t.test('Redis stopped mid-conversation: answers without memory, says so; reads answer 503 naming Redis', async (t) => {
  const ollama = await startOllamaDouble(t)
  const redis = await startRedis(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  await until(() => app.redis?.status === 'ready')
  const first = await chat(app, { prompt: 'Remember me', session_id: 's' })
  t.equal(first.headers['x-chat-memory'], 'ok')
  t.equal(first.json().conversation_length, 1)
  await redis.kill()
  await until(() => app.redis?.status !== 'ready')

  const blind = await chat(app, { prompt: 'Do you?', session_id: 's' })
  t.equal(blind.statusCode, 200)
  t.equal(blind.headers['x-chat-memory'], 'unavailable')
  t.match(blind.json(), { response: 'Answer to: Do you? (turn 1)', session_id: 's', conversation_length: 1 })
  t.same(ollama.log.at(-1)?.body.messages, [{ role: 'user', content: 'Do you?' }], 'no history was sent')
  const streamed = await chat(app, { prompt: 'Stream anyway', session_id: 's', stream: true })
  t.equal(streamed.statusCode, 200)
  t.equal(streamed.headers['x-chat-memory'], 'unavailable')
  t.match(streamed.body.trim().split('\n').at(-1), /"done":true/)

  for (const method of ['GET', 'DELETE'] as const) {
    const res = await app.inject({ method, url: '/api/v1/chat/s' })
    t.equal(res.statusCode, 503, method)
    t.match(res.json(), { code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Redis \(chat memory\) is unavailable: / })
  }
  await redis.restart()
  await until(() => app.redis?.status === 'ready')
  const back = await chat(app, { prompt: 'Back', session_id: 's' })
  t.equal(back.headers['x-chat-memory'], 'ok', 'memory returns with Redis (the restarted server is empty)')
  t.equal(back.json().conversation_length, 1)
})

t.test('ids minted by the server; sessions bound to the Authorization header', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, ADMIN_TOKEN: 'admin-secret-0123456789' })
  const a = await chat(app, { prompt: 'hi' })
  const b = await chat(app, { prompt: 'hi' })
  t.match(a.json().session_id, /^[A-Za-z0-9_-]{22}$/)
  t.equal(a.headers['x-session-id'], a.json().session_id, 'returned in the header too')
  t.not(a.json().session_id, b.json().session_id)

  const alice = { authorization: 'Bearer alice-key' }
  const bob = { authorization: 'Bearer bob-key' }
  await chat(app, { prompt: 'My secret plan', session_id: 'guessable' }, alice)
  for (const headers of [bob, {}]) {
    const read = await app.inject({ url: '/api/v1/chat/guessable', headers })
    t.equal(read.statusCode, 404, 'another caller cannot read it')
    t.match(read.json(), { code: 'GW_SESSION_NOT_FOUND' })
    t.equal((await app.inject({ method: 'DELETE', url: '/api/v1/chat/guessable', headers })).statusCode, 404, 'nor delete it')
  }
  const bobTurn = (await chat(app, { prompt: 'Hello?', session_id: 'guessable' }, bob)).json()
  t.equal(bobTurn.response, 'Answer to: Hello? (turn 1)', "bob's turn did not see alice's history")
  const mine = (await app.inject({ url: '/api/v1/chat/guessable', headers: alice })).json()
  t.same(mine.messages.map((m: { content: string }) => m.content), ['My secret plan', 'Answer to: My secret plan (turn 1)'])
  t.same((await app.inject({ method: 'DELETE', url: '/api/v1/chat/guessable', headers: alice })).json(), { session_id: 'guessable', deleted: true })
  t.equal((await app.inject({ url: '/api/v1/chat/guessable', headers: bob })).json().messages.length, 2, "bob's own session is untouched")
})

t.test('CHAT_MEMORY_MAX_CHARS: the oldest messages are dropped until a session fits', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, CHAT_MEMORY_MAX_CHARS: '60' })
  for (const p of ['one', 'two', 'three']) await chat(app, { prompt: p, session_id: 'cap' })
  // one (3) + its answer (23) + two (3) + its answer (23) + three (5) + its answer (25) = 82 > 60:
  // dropping 'one' and its answer leaves 56.
  const stored = (await app.inject('/api/v1/chat/cap')).json()
  t.same(stored.messages.map((m: { content: string }) => m.content), ['two', 'Answer to: two (turn 2)', 'three', 'Answer to: three (turn 3)'])
})
