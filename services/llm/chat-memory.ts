// Conversation memory per session: stored messages (bounded by count and characters, expiring when
// idle), the window of them sent to the model (bounded by messages and approximate tokens), and the
// turn protocol that keeps concurrent turns on one session in order and survives a failing store.
import { createHash, randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Message } from './types.js'

/** Sessions by storage key (see sessionKey); `lock` serialises the turns of one session. */
export interface MemoryStore {
  load: (key: string) => Promise<Message[] | null>
  save: (key: string, messages: Message[]) => Promise<void>
  delete: (key: string) => Promise<boolean>
  lock: (key: string) => Promise<() => void>
}

export interface MemoryLimits { maxMessages: number, maxTokens: number }

/** About four characters a token for English text: enough to keep a window under a context size. */
export const approxTokens = (text: string) => Math.ceil(text.length / 4)

/** The newest messages that fit both limits, never splitting a question from its answer's start. */
export function windowFor (history: Message[], limits: MemoryLimits): Message[] {
  const out: Message[] = []
  let tokens = 0
  for (let i = history.length - 1; i >= 0 && out.length < limits.maxMessages; i--) {
    tokens += approxTokens(history[i].content)
    if (tokens > limits.maxTokens && out.length > 0) break
    out.unshift(history[i])
  }
  return out
}

export function memoryStats (history: Message[], window: Message[]) {
  return {
    total_messages: history.length,
    human_messages: history.filter((m) => m.role === 'user').length,
    ai_messages: history.filter((m) => m.role === 'assistant').length,
    window_messages: window.length,
    window_tokens: window.reduce((n, m) => n + approxTokens(m.content), 0)
  }
}

/** What a session keeps: the newest `maxMessages`, then the oldest dropped until the characters fit. */
export function keepNewest (messages: Message[], maxMessages: number, maxChars: number): Message[] {
  const kept = messages.slice(-maxMessages)
  let total = kept.reduce((n, m) => n + m.content.length, 0)
  let start = 0
  while (total > maxChars && start < kept.length) total -= kept[start++].content.length
  return kept.slice(start)
}

/** Whose sessions these are: a hash of the caller's Authorization header (its key), else 'anon'.
 * A session is stored under its owner, so another caller guessing the id finds nothing. */
export function sessionOwner (authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') return 'anon'
  return createHash('sha256').update(authorization).digest('base64url').slice(0, 22)
}

export const sessionKey = (owner: string, id: string) => `${owner}:${id}`

/** A new session id: 128 random bits as base64url (22 characters). */
export const newSessionId = (random: (size: number) => Buffer = randomBytes) => random(16).toString('base64url')

/** In-process mutual exclusion per key: acquire() resolves, with its release, once earlier holders released. */
export function createKeyedLock () {
  const tails = new Map<string, Promise<void>>()
  return {
    async acquire (key: string): Promise<() => void> {
      const previous = tails.get(key) ?? Promise.resolve()
      let open!: () => void
      const mine = new Promise<void>((resolve) => { open = resolve })
      const tail = previous.then(async () => await mine)
      tails.set(key, tail)
      await previous
      let released = false
      return () => {
        if (released) return
        released = true
        if (tails.get(key) === tail) tails.delete(key)
        open()
      }
    },
    get size () { return tails.size }
  }
}

export function createMemoryStore (sessions: { get: (k: string) => Message[] | undefined, set: (k: string, v: Message[]) => unknown, delete: (k: string) => boolean }, keep: (m: Message[]) => Message[]): MemoryStore {
  const locks = createKeyedLock()
  return {
    async load (key) { return sessions.get(key) ?? null },
    async save (key, messages) { sessions.set(key, keep(messages)) },
    async delete (key) { return sessions.delete(key) },
    lock: locks.acquire
  }
}

const UNLOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

/** Sessions in Redis (shared by replicas). Turns are serialised in-process first, then across replicas
 * by a lock key (SET NX PX, released only by its holder; it expires after lockMs if a replica dies). */
export function createRedisStore (redis: Redis, opts: { prefix: string, ttlSeconds: number, lockMs: number, keep: (m: Message[]) => Message[] }): MemoryStore {
  const locks = createKeyedLock()
  const key = (k: string) => `${opts.prefix}${k}`
  return {
    async load (k) {
      const raw = await redis.get(key(k))
      return raw === null ? null : JSON.parse(raw) as Message[]
    },
    async save (k, messages) { await redis.set(key(k), JSON.stringify(opts.keep(messages)), 'EX', opts.ttlSeconds) },
    async delete (k) { return (await redis.del(key(k))) > 0 },
    async lock (k) {
      const releaseLocal = await locks.acquire(k)
      const lockKey = `${key(k)}:lock`
      const token = randomBytes(12).toString('base64url')
      const deadline = Date.now() + opts.lockMs
      try {
        while ((await redis.set(lockKey, token, 'PX', opts.lockMs, 'NX')) !== 'OK') {
          if (Date.now() > deadline) throw new Error(`chat session lock ${lockKey} still held after ${opts.lockMs} ms`)
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      } catch (err) {
        releaseLocal()
        throw err
      }
      return () => { redis.eval(UNLOCK, 1, lockKey, token).catch(() => {}).finally(releaseLocal) }
    }
  }
}

/** One turn's view of its session: the history (empty when the store failed), a save that reports
 * whether it stored, and end(), which lets the session's next turn in. */
export interface Turn { available: boolean, history: Message[], save: (messages: Message[]) => Promise<boolean>, end: () => void }

export async function beginTurn (store: MemoryStore, key: string, onError: (err: Error, operation: string) => void): Promise<Turn> {
  let release: () => void = () => {}
  try {
    release = await store.lock(key)
    const history = (await store.load(key)) ?? []
    let ended = false
    return {
      available: true,
      history,
      async save (messages) {
        try {
          await store.save(key, messages)
          return true
        } catch (err) {
          onError(err as Error, 'save')
          return false
        }
      },
      end () { if (!ended) { ended = true; release() } }
    }
  } catch (err) {
    release()
    onError(err as Error, 'load')
    return { available: false, history: [], save: async () => false, end: () => {} }
  }
}
