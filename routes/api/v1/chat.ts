// Stateful chat (seed phase 2): the gateway keeps each session's messages and sends a window of them
// to Ollama's /api/chat with every turn.
import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { memoryStats, windowFor } from '../../../services/llm/chat-memory.js'
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
      body: ChatRequestSchema(config.PROMPT_MAX_CHARS),
      response: { 200: ChatResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
    }
  }, async (request, reply) => {
    const { prompt, system, options, stream } = request.body
    const sessionId = request.body.session_id ?? randomUUID()
    const model = request.body.model ?? ollama.defaultModel
    const history = (await chatMemory.load(sessionId)) ?? []
    const turn: Message = { role: 'user', content: prompt }
    const window = windowFor([...history, turn], limits)
    const messages: Message[] = system === undefined ? window : [{ role: 'system', content: system }, ...window]
    const remember = async (answer: string) => {
      const next: Message[] = [...history, turn, { role: 'assistant', content: answer }]
      await chatMemory.save(sessionId, next)
      return next
    }

    if (stream === true) {
      let answer = ''
      const body = await ndjsonStream(ollama.chatStream({ model, messages, options }, { route: ROUTE }), (chunk) => {
        answer += chunk.message?.content ?? ''
        return chunk.done ? { ...chunk, session_id: sessionId } : chunk
      }, (error) => {
        // Only a complete answer becomes memory: a broken stream leaves the session as it was.
        if (error === null) remember(answer).catch((err) => request.log.error({ err }, 'chat memory not saved'))
      })
      reply.header('x-session-id', sessionId)
      return reply.type('application/x-ndjson').send(body as never)
    }

    const r = await ollama.chat({ model, messages, options }, { route: ROUTE })
    const saved = await remember(r.message.content)
    return {
      response: r.message.content,
      session_id: sessionId,
      model: r.model,
      conversation_length: saved.filter((m) => m.role === 'user').length,
      memory_stats: memoryStats(saved, window)
    }
  })

  fastify.get('/chat/:session_id', {
    schema: { tags: ['llm'], summary: 'A chat session\'s stored messages', params: SessionParamsSchema, response: { 200: SessionSchema, 404: ErrorSchema } }
  }, async (request) => {
    const { session_id: id } = request.params
    const history = await chatMemory.load(id)
    if (history === null) throw new SessionNotFoundError(id)
    return { session_id: id, messages: history, conversation_length: history.filter((m) => m.role === 'user').length, memory_stats: memoryStats(history, windowFor(history, limits)) }
  })

  fastify.delete('/chat/:session_id', {
    schema: { tags: ['llm'], summary: 'Forget a chat session', params: SessionParamsSchema, response: { 200: Type.Object({ session_id: Type.String(), deleted: Type.Boolean() }), 404: ErrorSchema } }
  }, async (request) => {
    const { session_id: id } = request.params
    if (!(await chatMemory.delete(id))) throw new SessionNotFoundError(id)
    return { session_id: id, deleted: true }
  })
}

export default chatRoutes
