import { test, type Test } from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'
import healthPlugin from '../../plugins/health.js'
import redisPlugin from '../../plugins/redis.js'
import { freePort } from '../../bench/lib.js'
import { startRedis, until } from '../helpers/redis.js'

async function build (t: Test, env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(healthPlugin)
  await app.register(redisPlugin)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

test('without REDIS_URL there is no client and /health says why', async (t) => {
  const app = await build(t, {})
  t.equal(app.redis, undefined)
  const report = await app.health.report()
  t.equal(report.redis.status, 'disabled')
  t.equal(report.redis.critical, false)
})

test('a dead Redis neither blocks the boot nor a command', async (t) => {
  const port = await freePort()
  const started = performance.now()
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${port}` })
  t.ok(performance.now() - started < 5000, 'booted without waiting for Redis')
  t.equal((await app.health.report()).redis.status, 'down')
  await t.rejects(app.redis!.get('x'), /enableOfflineQueue|Connection is closed|ECONNREFUSED/, 'commands fail at once, never queue')
})

test('a live Redis: health up with latency; after a crash down; after a restart on the same port up again', async (t) => {
  const server = await startRedis(t)
  const app = await build(t, { REDIS_URL: server.url })
  await until(() => app.redis!.status === 'ready')
  const up = await app.health.report()
  t.equal(up.redis.status, 'up')
  t.type(up.redis.latency_ms, 'number')
  await app.redis!.set('gw:test', 'v')
  t.equal(await app.redis!.get('gw:test'), 'v')

  await server.kill()
  await until(() => app.redis!.status !== 'ready')
  t.equal((await app.health.report()).redis.status, 'down')

  await server.restart()
  await until(() => app.redis!.status === 'ready')
  t.equal((await app.health.report()).redis.status, 'up')
  t.equal(await app.redis!.get('gw:test'), null, 'the restarted server is empty (no persistence)')
})
