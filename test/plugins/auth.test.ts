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
  const app = await build(t, { ADMIN_TOKEN: 'tok-123' })
  const call = (authorization?: string) => app.inject({ method: 'POST', url: '/admin', headers: authorization === undefined ? {} : { authorization } })
  t.same((await call('Bearer tok-123')).json(), { done: true })
  t.equal((await call('bearer   tok-123')).statusCode, 200, 'scheme is case-insensitive')
  for (const bad of [undefined, '', 'Bearer', 'Bearer tok-12', 'Bearer tok-1234', 'Basic tok-123', 'tok-123', 'Bearer tok-123 extra']) {
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
