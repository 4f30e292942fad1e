// Chat with memory: the seed's shape, the window sent to the model, session routes, streaming, and a
// session continued on a second gateway instance sharing one real Redis.
import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { startOllamaDouble } from '../../../helpers/ollama-double.js'
import { startRedis, until } from '../../../helpers/redis.js'

t.test('turns accumulate in the session; the seed shape; GET and DELETE', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const chat = (prompt: string, sessionId = 'user123-session') => app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt, session_id: sessionId } })
  const first = (await chat('Hello, what can you help me with?')).json()
  t.same(first, {
    response: 'Answer to: Hello, what can you help me with? (turn 1)',
    session_id: 'user123-session',
    model: 'tinyllama',
    conversation_length: 1,
    memory_stats: { total_messages: 2, human_messages: 1, ai_messages: 1, window_messages: 1, window_tokens: 9 }
  })
  const second = (await chat('Can you explain that in more detail?')).json()
  t.equal(second.response, 'Answer to: Can you explain that in more detail? (turn 2)', 'the model saw both user turns')
  t.equal(second.conversation_length, 2)
  t.same(ollama.log.at(-1)?.body.messages.map((m: { role: string }) => m.role), ['user', 'assistant', 'user'])

  const other = (await chat('Unrelated', 'someone-else')).json()
  t.equal(other.response, 'Answer to: Unrelated (turn 1)', 'sessions do not mix')

  const stored = (await app.inject('/api/v1/chat/user123-session')).json()
  t.equal(stored.messages.length, 4)
  t.same(stored.messages[2], { role: 'user', content: 'Can you explain that in more detail?' })
  t.equal(stored.conversation_length, 2)
  t.same((await app.inject({ method: 'DELETE', url: '/api/v1/chat/user123-session' })).json(), { session_id: 'user123-session', deleted: true })
  const gone = await app.inject('/api/v1/chat/user123-session')
  t.equal(gone.statusCode, 404)
  t.match(gone.json(), { code: 'GW_SESSION_NOT_FOUND', message: "Chat session 'user123-session' not found" })
  t.equal((await app.inject({ method: 'DELETE', url: '/api/v1/chat/user123-session' })).statusCode, 404)
  t.equal((await chat('Hi again')).json().conversation_length, 1, 'a deleted session starts over')

  const fresh = (await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'no id' } })).json()
  t.match(fresh.session_id, /^[A-Za-z0-9_-]{22}$/, 'a new session id is issued: 128 random bits, base64url')
  const bad = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'x', session_id: 'bad id!' } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /body\/session_id must match pattern/)
})

t.test('the window bounds what is sent by messages and by tokens; storage keeps the newest messages', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, CHAT_MEMORY_MAX_MESSAGES: '4', CHAT_MEMORY_MAX_TOKENS: '10' })
  for (const p of ['one', 'two', 'three']) await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: p, session_id: 'w' } })
  const sent = ollama.log.at(-1)?.body.messages as Array<{ role: string, content: string }>
  // three (2 tokens) + 'Answer to: two (turn 2)' (6) + two (1) = 9; the next answer (6) would pass 10
  t.same(sent.map((m) => m.content), ['two', 'Answer to: two (turn 2)', 'three'], 'only the newest messages that fit 10 tokens (4 chars each)')
  const stored = (await app.inject('/api/v1/chat/w')).json()
  t.same(stored.messages.map((m: { content: string }) => m.content), ['two', 'Answer to: two (turn 2)', 'three', 'Answer to: three (turn 2)'], 'storage keeps 4 messages')

  const sys = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'four', session_id: 'w', system: 'Be brief.' } })
  t.equal(sys.statusCode, 200)
  t.same(ollama.log.at(-1)?.body.messages[0], { role: 'system', content: 'Be brief.' })
})

t.test('stream: true streams chunks, gives the session id, and stores only complete answers', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const res = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'Stream me', session_id: 's', stream: true } })
  t.equal(res.headers['x-session-id'], 's')
  const chunks = res.body.trim().split('\n').map((l) => JSON.parse(l))
  t.same(chunks.map((c) => c.message.content).join(''), 'Answer to: Stream me (turn 1)')
  t.match(chunks.at(-1), { done: true, session_id: 's', done_reason: 'stop' })
  await until(async () => (await app.inject('/api/v1/chat/s')).statusCode === 200)
  t.equal((await app.inject('/api/v1/chat/s')).json().messages[1].content, 'Answer to: Stream me (turn 1)')

  ollama.mode.kind = 'error-mid-stream'
  const broken = await app.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'Another long one here', session_id: 's', stream: true } })
  t.match(broken.body.trim().split('\n').at(-1), /"error":\{"message":"Ollama sent an invalid answer: error in the stream/)
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await app.inject('/api/v1/chat/s')).json().messages.length, 2, 'the broken turn was not stored')
})

t.test('a session started on one instance continues on another through Redis', async (t) => {
  const ollama = await startOllamaDouble(t)
  const redis = await startRedis(t)
  const a = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  const b = await buildTestApp(t, { OLLAMA_URL: ollama.url, REDIS_URL: redis.url })
  await until(() => a.redis?.status === 'ready' && b.redis?.status === 'ready')
  t.equal(a.chatMemory.backend, 'redis')
  await a.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'Remember me', session_id: 'shared' } })
  const next = (await b.inject({ method: 'POST', url: '/api/v1/chat', payload: { prompt: 'Do you?', session_id: 'shared' } })).json()
  t.equal(next.response, 'Answer to: Do you? (turn 2)', 'instance b sent the history stored by instance a')
  t.equal(next.conversation_length, 2)
  t.equal((await a.inject('/api/v1/chat/shared')).json().messages.length, 4)
})
