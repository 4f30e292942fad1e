// Chat sessions: in-process (an LRU with idle expiry) by default, in Redis when REDIS_URL is set so a
// session started on one replica continues on another. Sessions belong to their caller (a hash of the
// Authorization header), turns on one session run one at a time, and a failing Redis costs the
// memory, never the answer (services/llm/chat-memory.ts).
import fp from 'fastify-plugin'
import { LRUCache } from 'lru-cache'
import {
  beginTurn, createMemoryStore, createRedisStore, keepNewest, sessionKey, type MemoryStore
} from '../services/llm/chat-memory.js'
import { UpstreamUnavailableError } from '../services/lib/errors.js'
import type { Message } from '../services/llm/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    chatMemory: ReturnType<typeof createChatMemory>
  }
}

export function createChatMemory (store: MemoryStore, backend: 'memory' | 'redis', onError: (err: Error, operation: string) => void) {
  /** Reads and deletes answer 503 naming Redis while it is down (not 500). */
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call()
    } catch (err) {
      throw new UpstreamUnavailableError('Redis (chat memory)', (err as Error).message, { cause: err })
    }
  }
  return {
    backend,
    /** Waits for the session's earlier turns, then loads it; see Turn. */
    begin: async (owner: string, id: string) => await beginTurn(store, sessionKey(owner, id), onError),
    load: async (owner: string, id: string) => await guarded(async () => await store.load(sessionKey(owner, id))),
    delete: async (owner: string, id: string) => await guarded(async () => await store.delete(sessionKey(owner, id)))
  }
}

export default fp(async function chatMemoryPlugin (fastify) {
  const { config, log } = fastify
  const ttl = config.CHAT_MEMORY_TTL_SECONDS
  const keep = (messages: Message[]) => keepNewest(messages, config.CHAT_MEMORY_MAX_MESSAGES, config.CHAT_MEMORY_MAX_CHARS)
  const onError = (err: Error, operation: string) => log.warn({ err: err.message, operation }, 'chat memory unavailable; answering without it')
  const redis = fastify.redis
  const store = redis !== undefined && redis !== null
    // A turn holds its session's lock while the model answers: as long as Ollama may take, plus a margin.
    ? createRedisStore(redis, { prefix: `${config.REDIS_KEY_PREFIX}chat:`, ttlSeconds: ttl, lockMs: (config.OLLAMA_TIMEOUT_MS ?? config.OLLAMA_FIRST_BYTE_TIMEOUT_MS) + 10_000, keep })
    : createMemoryStore(new LRUCache<string, Message[]>({ max: 10_000, ttl: ttl * 1000, updateAgeOnGet: true }), keep)
  fastify.decorate('chatMemory', createChatMemory(store, redis === undefined || redis === null ? 'memory' : 'redis', onError))
}, { name: 'chat-memory', dependencies: ['config', 'redis'] })
