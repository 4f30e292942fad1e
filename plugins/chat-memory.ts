// Chat sessions: in-process (an LRU with idle expiry) by default, in Redis when REDIS_URL is set so a
// session started on one replica continues on another.
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import type { MemoryStore } from '../services/llm/chat-memory.js'
import type { Message } from '../services/llm/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    chatMemory: MemoryStore & { backend: 'memory' | 'redis' }
  }
}

export default fp(async function chatMemoryPlugin (fastify) {
  const { config } = fastify
  const ttl = config.CHAT_MEMORY_TTL_SECONDS
  const keep = (messages: Message[]) => messages.slice(-config.CHAT_MEMORY_MAX_MESSAGES)
  const redis = fastify.redis
  if (redis !== undefined && redis !== null) {
    const key = (id: string) => `${config.REDIS_KEY_PREFIX}chat:${id}`
    fastify.decorate('chatMemory', {
      backend: 'redis' as const,
      async load (id: string) {
        const raw = await redis.get(key(id))
        return raw === null ? null : JSON.parse(raw) as Message[]
      },
      async save (id: string, messages: Message[]) { await redis.set(key(id), JSON.stringify(keep(messages)), 'EX', ttl) },
      async delete (id: string) { return (await redis.del(key(id))) > 0 }
    })
    return
  }
  const sessions = new LRUCache<string, Message[]>({ max: 10_000, ttl: ttl * 1000, updateAgeOnGet: true })
  fastify.decorate('chatMemory', {
    backend: 'memory' as const,
    async load (id: string) { return sessions.get(id) ?? null },
    async save (id: string, messages: Message[]) { sessions.set(id, keep(messages)) },
    async delete (id: string) { return sessions.delete(id) }
  })
}, { name: 'chat-memory', dependencies: ['config', 'redis'] })
