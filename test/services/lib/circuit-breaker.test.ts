import t from 'tap'
import { createCircuitBreaker } from '../../../services/lib/circuit-breaker.js'

t.test('opens after the threshold, lets one probe through after the cool-down, closes on success', async (t) => {
  let now = 0
  const b = createCircuitBreaker({ threshold: 3, coolDownMs: 1000, now: () => now })
  for (let i = 0; i < 2; i++) { t.ok(b.allow()); b.failure() }
  t.equal(b.state(), 'closed')
  t.ok(b.allow()); b.failure()
  t.equal(b.state(), 'open')
  t.notOk(b.allow())
  now = 400
  t.equal(b.retryInMs(), 600)
  now = 1000
  t.equal(b.state(), 'half-open')
  t.ok(b.allow(), 'one probe')
  t.notOk(b.allow(), 'only one probe at a time')
  b.failure()
  t.equal(b.state(), 'open', 'a failed probe re-opens')
  now = 2100
  t.ok(b.allow())
  b.success()
  t.equal(b.state(), 'closed')
  t.equal(b.failures, 0)
})
