// Stateful chat (seed phase 2): the gateway keeps each session's messages and sends a window of them
// to Ollama's /api/chat with every turn. Sessions belong to the caller (plugins/chat-memory.ts); turns
// on one session run one at a time; with the store down the answer comes without memory and
// x-chat-memory: unavailable says so.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { memoryStats, newSessionId, sessionOwner, windowFor } from '../../../services/llm/chat-memory.js'
import { SessionNotFoundError } from '../../../services/lib/errors.js'
import { ndjsonStream } from '../../../services/lib/ndjson.js'
import type { Message } from '../../../services/llm/types.js'
import { ErrorSchema } from '../../../schemas/iris.js'
import { ChatRequestSchema, ChatResponseSchema, SessionParamsSchema, SessionSchema } from '../../../schemas/llm.js'

const ROUTE = '/api/v1/chat'

const chatRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { ollama, chatMemory, config } = fastify
  const limits = { maxMessages: config.CHAT_MEMORY_MAX_MESSAGES, maxTokens: config.CHAT_MEMORY_MAX_TOKENS }

  fastify.post('/chat', {
    schema: {
      tags: ['llm'],
      summary: 'Chat with memory: send session_id to continue a conversation; stream: true gives NDJSON chunks',
      description: 'Without session_id the gateway starts a session (a random 128-bit id, in the body and x-session-id). ' +
        'Sessions belong to the Authorization header that created them. x-chat-memory: ok, or unavailable when the ' +
        'memory store (Redis) is down and the turn was answered without history and not stored.',
      body: ChatRequestSchema(config.PROMPT_MAX_CHARS),
      response: { 200: ChatResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
    }
  }, async (request, reply) => {
    const { prompt, system, options, stream } = request.body
    const sessionId = request.body.session_id ?? newSessionId()
    const model = request.body.model ?? ollama.defaultModel
    reply.header('x-session-id', sessionId)
    const session = await chatMemory.begin(sessionOwner(request.headers.authorization), sessionId)
    reply.header('x-chat-memory', session.available ? 'ok' : 'unavailable')
    const turn: Message = { role: 'user', content: prompt }
    const window = windowFor([...session.history, turn], limits)
    const messages: Message[] = system === undefined ? window : [{ role: 'system', content: system }, ...window]
    const next = (answer: string): Message[] => [...session.history, turn, { role: 'assistant', content: answer }]

    if (stream === true) {
      let answer = ''
      let saving: Promise<unknown> = Promise.resolve()
      let body
      try {
        body = await ndjsonStream(ollama.chatStream({ model, messages, options }, { route: ROUTE }), (chunk) => {
          answer += chunk.message?.content ?? ''
          return chunk.done ? { ...chunk, session_id: sessionId } : chunk
        }, (error) => {
          // Only a complete answer becomes memory: a broken stream leaves the session as it was.
          if (error === null) saving = session.save(next(answer))
        })
      } catch (err) {
        session.end()
        throw err
      }
      // The session's next turn waits until this answer is stored, or the client is gone.
      const end = () => { saving.finally(session.end).catch(() => {}) }
      reply.raw.once('close', end).once('finish', end)
      return reply.type('application/x-ndjson').send(body as never)
    }

    try {
      const r = await ollama.chat({ model, messages, options }, { route: ROUTE })
      const saved = next(r.message.content)
      if (!(await session.save(saved))) reply.header('x-chat-memory', 'unavailable')
      return {
        response: r.message.content,
        session_id: sessionId,
        model: r.model,
        conversation_length: saved.filter((m) => m.role === 'user').length,
        memory_stats: memoryStats(saved, window)
      }
    } finally {
      session.end()
    }
  })

  fastify.get('/chat/:session_id', {
    schema: { tags: ['llm'], summary: 'A chat session\'s stored messages (only for the Authorization that created it)', params: SessionParamsSchema, response: { 200: SessionSchema, 404: ErrorSchema, 503: ErrorSchema } }
  }, async (request) => {
    const { session_id: id } = request.params
    const history = await chatMemory.load(sessionOwner(request.headers.authorization), id)
    if (history === null) throw new SessionNotFoundError(id)
    return { session_id: id, messages: history, conversation_length: history.filter((m) => m.role === 'user').length, memory_stats: memoryStats(history, windowFor(history, limits)) }
  })

  fastify.delete('/chat/:session_id', {
    schema: { tags: ['llm'], summary: 'Forget a chat session (only for the Authorization that created it)', params: SessionParamsSchema, response: { 200: Type.Object({ session_id: Type.String(), deleted: Type.Boolean() }), 404: ErrorSchema, 503: ErrorSchema } }
  }, async (request) => {
    const { session_id: id } = request.params
    if (!(await chatMemory.delete(sessionOwner(request.headers.authorization), id))) throw new SessionNotFoundError(id)
    return { session_id: id, deleted: true }
  })
}

export default chatRoutes
