import { spawnSync } from 'node:child_process'
import { test, type Test } from 'tap'
import Fastify from 'fastify'
import authPlugin from '../../plugins/auth.js'
import configPlugin from '../../plugins/config.js'
import { loadConfig } from '../../schemas/config.js'

async function build (t: Test, env: Record<string, string>) {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: loadConfig(env) })
  await app.register(authPlugin)
  app.post('/admin', { onRequest: app.requireAdmin }, async () => ({ done: true }))
  t.teardown(() => app.close())
  return app
}

test('requireAdmin: the right bearer token passes; missing, wrong or malformed ones get 401', async (t) => {
  const app = await build(t, { ADMIN_TOKEN: 'tok-123-0123456789' })
  const call = (authorization?: string) => app.inject({ method: 'POST', url: '/admin', headers: authorization === undefined ? {} : { authorization } })
  t.same((await call('Bearer tok-123-0123456789')).json(), { done: true })
  t.equal((await call('bearer   tok-123-0123456789')).statusCode, 200, 'scheme is case-insensitive')
  for (const bad of [undefined, '', 'Bearer', 'Bearer tok-123-012345678', 'Bearer tok-123-01234567894', 'Basic tok-123-0123456789', 'tok-123-0123456789', 'Bearer tok-123-0123456789 extra']) {
    const res = await call(bad)
    t.equal(res.statusCode, 401, `${JSON.stringify(bad)} -> 401`)
    t.equal(res.json().code, 'GW_UNAUTHORIZED')
  }
})

test('without ADMIN_TOKEN admin routes are closed with a message saying so', async (t) => {
  const app = await build(t, {})
  const res = await app.inject({ method: 'POST', url: '/admin', headers: { authorization: 'Bearer ' } })
  t.equal(res.statusCode, 403)
  t.same(res.json().message, 'Admin routes are disabled: ADMIN_TOKEN is not set on this gateway')
})

test('an ADMIN_TOKEN shorter than 16 characters stops the start-up with a message naming it', async (t) => {
  for (const short of ['x', 'tok-123', '0123456789abcde']) {
    t.throws(() => loadConfig({ ADMIN_TOKEN: short }), {
      message: `Invalid configuration: ADMIN_TOKEN must be at least 16 characters (it has ${short.length}); leave it empty to close the admin routes`
    })
  }
  t.equal(loadConfig({ ADMIN_TOKEN: '0123456789abcdef' }).ADMIN_TOKEN, '0123456789abcdef')
  t.equal(loadConfig({}).ADMIN_TOKEN, '')
  // The entry point itself refuses to start: exit code 1 and the message on stderr, no listening.
  const root = new URL('../../', import.meta.url).pathname
  // Without NODE_V8_COVERAGE: a tsx child's coverage would garble the in-process counts (test/coverage-map.mjs).
  const { NODE_V8_COVERAGE: _coverage, ...parent } = process.env
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: root, env: { ...parent, ADMIN_TOKEN: 'short', PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
  t.not(run.status, 0)
  t.equal(run.stderr.trim(), 'Invalid configuration: ADMIN_TOKEN must be at least 16 characters (it has 5); leave it empty to close the admin routes', 'one line, no stack trace')
})
