// The shared Redis connection (exact cache, semantic cache, chat memory), only when REDIS_URL is set.
// https://github.com/redis/ioredis#connect-to-redis
// Not @fastify/redis: its registration waits for the client's first 'ready' even when it is handed a
// client of ours (index.js: next() only once status is 'ready', and a quit on 'end'), so a dead or
// lazily connecting Redis would block the boot until the plugin timeout. Here the client connects lazily,
// fails commands at once while disconnected (no offline queue, so no request waits on a dead
// Redis), times out slow commands, and reconnects in the background forever.
import fp from 'fastify-plugin'
import { Redis, type RedisOptions } from 'ioredis'

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when REDIS_URL is set; callers must treat every command as fallible. */
    redis?: Redis
  }
}

export interface RedisSettings {
  url: string
  commandTimeoutMs: number
  connectTimeoutMs: number
}

export function createRedis (s: RedisSettings, onError: (err: Error) => void = () => {}): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    commandTimeout: s.commandTimeoutMs,
    connectTimeout: s.connectTimeoutMs,
    maxRetriesPerRequest: 0,
    // Back off to one attempt per second; never give up, so a restarted Redis is picked up.
    retryStrategy: (times) => Math.min(50 * times, 1000)
  }
  const client = new Redis(s.url, options)
  client.on('error', onError)
  client.connect().catch(() => { /* retried by retryStrategy; reported by /health */ })
  return client
}

export default fp(async function redisPlugin (fastify) {
  const { config, health, log } = fastify
  if (config.REDIS_URL === '') {
    health.register('redis', () => ({ status: 'disabled', critical: false, reason: 'REDIS_URL is not set: caches and chat memory are in-process' }))
    return
  }
  // Log a connection problem once per outage, not once per retry.
  let reported = false
  const client = createRedis({
    url: config.REDIS_URL,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS
  }, (err) => {
    if (!reported) log.warn({ err: err.message }, 'redis unavailable; caches bypass it until it is back')
    reported = true
  })
  client.on('ready', () => {
    if (reported) log.info('redis connection restored')
    reported = false
  })
  health.register('redis', async () => {
    if (client.status !== 'ready') return { status: 'down', critical: false, connection: client.status }
    const start = performance.now()
    await client.ping()
    return { status: 'up', critical: false, latency_ms: Math.round((performance.now() - start) * 100) / 100 }
  })
  fastify.decorate('redis', client)
  fastify.addHook('onClose', async () => {
    // quit() needs a live connection; disconnect() also stops the reconnect loop.
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect())
    else client.disconnect()
  })
}, { name: 'redis', dependencies: ['config', 'health'] })
