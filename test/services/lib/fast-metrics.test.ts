import t from 'tap'
import { Counter, Histogram, Registry } from 'prom-client'
import { FastCounter, FastHistogram } from '../../../services/lib/fast-metrics.js'

const buckets = [0.001, 0.01, 0.1, 1]
const observations: Array<[string, string, number]> = [['iris', '1', 0.0005], ['iris', '1', 0.001], ['iris', '1', 0.05], ['iris', '2', 3], ['iris', '1', 1], ['iris', '2', 0.002]]

t.test('the same /metrics text as prom-client\'s Histogram for the same observations (buckets, +Inf, sum, count)', async (t) => {
  const theirs = new Registry()
  const ours = new Registry()
  const reference = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['model', 'version'], buckets, registers: [theirs] })
  const fast = new FastHistogram({ name: 'x_seconds', help: 'h', labelNames: ['model', 'version'] as const, buckets: [1, 0.1, 0.01, 0.001], registers: [ours] })
  const child = fast.labels('iris', '1')
  for (const [model, version, v] of observations) {
    reference.observe({ model, version }, v)
    if (version === '1') child.observe(v)
    else fast.observe({ model, version }, v)
  }
  const text = await ours.metrics()
  t.equal(text, await theirs.metrics())
  t.match(text, /x_seconds_bucket\{le="0\.001",model="iris",version="1"\} 2\n/, 'a value equal to a bound falls in that bucket')
  t.match(text, /x_seconds_bucket\{le="\+Inf",model="iris",version="2"\} 2\n/)
  t.match(text, /x_seconds_sum\{model="iris",version="1"\} 1\.0515\n/)
  const plain = (metrics: Array<{ values: Array<{ labels: object, value: number, metricName?: string }> }>) => metrics[0].values.map(({ labels, value, metricName }) => ({ labels, value, metricName }))
  t.same(plain(await ours.getMetricsAsJSON() as never), plain(await theirs.getMetricsAsJSON() as never), 'and the same values as JSON')
  fast.reset()
  t.match(await ours.metrics(), /x_seconds_count\{model="iris",version="1"\} 0\n/, 'reset keeps the series at zero, as prom-client does')
})

t.test('bad buckets and a wrong number of label values are refused; a non-finite value is not counted', async (t) => {
  t.throws(() => new FastHistogram({ name: 'a', help: 'h', labelNames: [], buckets: [1, 1], registers: [] }), /distinct finite/)
  t.throws(() => new FastHistogram({ name: 'a', help: 'h', labelNames: [], buckets: [], registers: [] }), /distinct finite/)
  const h = new FastHistogram({ name: 'b', help: 'h', labelNames: ['model'] as const, buckets: [1], registers: [] })
  t.throws(() => h.labels('a', 'b'), /expected labels model, got 2 values/)
  h.labels('m').observe(Number.NaN)
  t.match((await h.get()).values.find((v) => v.metricName === 'b_count'), { value: 0 })
})

t.test('FastCounter: the same /metrics text as prom-client\'s Counter; a series appears on its first inc', async (t) => {
  const theirs = new Registry()
  const ours = new Registry()
  const reference = new Counter({ name: 'c_total', help: 'h', labelNames: ['cache', 'reason'], registers: [theirs] })
  const fast = new FastCounter({ name: 'c_total', help: 'h', labelNames: ['cache', 'reason'] as const, registers: [ours] })
  const kept = fast.labels('exact', 'no-cache')
  const unused = fast.labels('exact', 'error')
  t.ok(unused)
  for (let i = 0; i < 3; i++) { reference.labels('exact', 'no-cache').inc(); kept.inc() }
  reference.labels('exact', 'no-cache').inc(2.5)
  fast.labels('exact', 'no-cache').inc(2.5)
  reference.labels('semantic', 'disabled').inc()
  fast.labels('semantic', 'disabled').inc()
  t.equal(await ours.metrics(), await theirs.metrics())
  t.match(await ours.metrics(), /c_total\{cache="exact",reason="no-cache"\} 5\.5\n/)
  t.notMatch(await ours.metrics(), /reason="error"/, 'a child never counted makes no series')
  t.throws(() => kept.inc(-1), /cannot increase by -1/)
  t.throws(() => fast.labels('exact'), /expected labels cache, reason, got 1 values/)
})
