import t from 'tap'
import { createRedis } from '../../../../plugins/redis.js'
import { createSemanticRedis } from '../../../../services/cache/semantic/redis-store.js'
import type { SemanticEntry } from '../../../../services/cache/semantic/store.js'
import { startRedis, until } from '../../../helpers/redis.js'

const entry = (id: string, createdAt = Date.now()): SemanticEntry =>
  ({ id, scope: 's', prompt: `prompt ${id}`, response: { text: id }, vector: Float32Array.from([0.6, 0.8, 0]), createdAt, responseTimeMs: 42 })

t.test('reconcile: loads what is missing, writes back what Redis lacks, and a missed flush empties the replica', async (t) => {
  const server = await startRedis(t)
  const clients = [0, 1, 2, 3].map(() => createRedis({ url: server.url, commandTimeoutMs: 1000, connectTimeoutMs: 1000 }))
  t.teardown(() => { for (const c of clients) c.disconnect() })
  await until(() => clients.every((c) => c.status === 'ready'))

  // A replica with a plain array as its store; its subscriber is never started, so it sees no
  // pub/sub message and learns everything through reconcile(), as after a reconnect.
  const replica = (redis: typeof clients[0], subscriber: typeof clients[0], name: string) => {
    const held = new Map<string, SemanticEntry>()
    const errors: string[] = []
    const sync = createSemanticRedis({
      redis,
      subscriber,
      prefix: 'gw:sem:',
      instanceId: name,
      ttlMs: 60_000,
      maxEntries: 100,
      has: (id) => held.has(id),
      local: () => [...held.values()],
      onEntry: (e) => { held.set(e.id, e) },
      onRemove: (ids) => { for (const id of ids) held.delete(id) },
      onFlush: () => held.clear(),
      onError: (op) => errors.push(op)
    })
    return { held, sync, errors }
  }
  const a = replica(clients[0], clients[1], 'a')
  const b = replica(clients[2], clients[3], 'b')

  await a.sync.save(entry('x'))
  t.same(await b.sync.reconcile(), [1, 0], 'b loaded x')
  const got = b.held.get('x') as SemanticEntry
  t.same({ ...got, vector: Array.from(got.vector) }, { ...entry('x', got.createdAt), vector: [0.6000000238418579, 0.800000011920929, 0] }, 'every field round-trips, the vector as float32 bytes')

  b.held.set('y', entry('y'))
  t.same(await b.sync.reconcile(), [0, 1], 'b wrote back y, which Redis lacked')
  t.same(await a.sync.reconcile(), [2, 0], 'a (which saved x without holding it) got both')
  t.same([...a.held.keys()].sort(), ['x', 'y'])

  t.equal(await a.sync.flush(), 2)
  t.equal(b.held.size, 2, 'b missed the flush (no subscriber)')
  t.same(await b.sync.reconcile(), [0, 0], 'b saw the new epoch: it emptied itself and wrote nothing back')
  t.equal(b.held.size, 0)
  t.equal(await clients[0].zcard('gw:sem:ids'), 0)

  t.same(await b.sync.reconcile(), [0, 0], 'the same epoch again changes nothing')
  t.same([a.errors, b.errors], [[], []])
})
