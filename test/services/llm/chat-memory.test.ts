// Chat memory's plain parts: what a session keeps, whose it is, new ids, the per-session lock and a
// turn over a failing store.
import t from 'tap'
import { beginTurn, createKeyedLock, createMemoryStore, keepNewest, newSessionId, sessionOwner, type MemoryStore } from '../../../services/llm/chat-memory.js'
import type { Message } from '../../../services/llm/types.js'

const m = (content: string, role: Message['role'] = 'user'): Message => ({ role, content })

t.test('keepNewest: the newest messages by count, then the oldest dropped until the characters fit', async (t) => {
  const msgs = [m('aaaa'), m('bb'), m('cccccc'), m('d')]
  t.same(keepNewest(msgs, 10, 100), msgs)
  t.same(keepNewest(msgs, 3, 100).map((x) => x.content), ['bb', 'cccccc', 'd'])
  t.same(keepNewest(msgs, 10, 9).map((x) => x.content), ['bb', 'cccccc', 'd'], '13 > 9: drop aaaa, 9 fits')
  t.same(keepNewest(msgs, 10, 8).map((x) => x.content), ['cccccc', 'd'], '13, then 9 > 8: drop aaaa and bb')
  t.same(keepNewest(msgs, 10, 0), [], 'nothing fits')
})

t.test('sessionOwner, newSessionId', async (t) => {
  t.equal(sessionOwner(undefined), 'anon')
  t.equal(sessionOwner(''), 'anon')
  t.equal(sessionOwner('Bearer k'), 'zJsVUNTLXSKQm8sHoueeeL', 'sha256 of the header, base64url, 22 characters')
  t.not(sessionOwner('Bearer k'), sessionOwner('Bearer j'))
  t.equal(newSessionId(() => Buffer.alloc(16, 0xff)), '_____________________w')
  t.match(newSessionId(), /^[A-Za-z0-9_-]{22}$/)
})

t.test('createKeyedLock: holders of one key in arrival order, other keys free, map emptied', async (t) => {
  const lock = createKeyedLock()
  const order: string[] = []
  const hold = async (key: string, name: string, ms: number) => {
    const release = await lock.acquire(key)
    order.push(`${name}+`)
    await new Promise((resolve) => setTimeout(resolve, ms))
    order.push(`${name}-`)
    release()
    release() // twice is harmless
  }
  await Promise.all([hold('a', 'a1', 20), hold('a', 'a2', 1), hold('b', 'b1', 5), hold('a', 'a3', 1)])
  t.same(order.filter((x) => x.startsWith('a')), ['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-'])
  t.ok(order.indexOf('b1+') < order.indexOf('a1-'), 'another key does not wait')
  t.equal(lock.size, 0)
})

t.test('beginTurn: a store that fails gives an empty, unavailable turn and releases its lock', async (t) => {
  const sessions = new Map<string, Message[]>()
  const store = createMemoryStore(sessions, (x) => x.slice(-2))
  const ok = await beginTurn(store, 'o:s', () => t.fail('no error'))
  t.same(ok, { available: true, history: [], save: ok.save, end: ok.end })
  t.equal(await ok.save([m('q'), m('a', 'assistant'), m('q2')]), true)
  ok.end()
  t.same(sessions.get('o:s'), [m('a', 'assistant'), m('q2')])

  const errors: string[] = []
  let released = 0
  const broken: MemoryStore = { ...store, load: async () => { throw new Error('down') }, lock: async () => () => { released++ } }
  const turn = await beginTurn(broken, 'o:s', (err, op) => errors.push(`${op}: ${err.message}`))
  t.same({ available: turn.available, history: turn.history }, { available: false, history: [] })
  t.equal(await turn.save([m('x')]), false)
  t.equal(released, 1, 'the lock taken before the failing load was released')
  const unsaved = await beginTurn({ ...store, save: async () => { throw new Error('full') } }, 'o:t', (err, op) => errors.push(`${op}: ${err.message}`))
  t.equal(await unsaved.save([m('x')]), false)
  unsaved.end()
  t.same(errors, ['load: down', 'save: full'])
})
