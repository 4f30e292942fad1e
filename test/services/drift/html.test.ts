// The HTML report's histogram axis: percentile-clipped so one outlier does not flatten the chart,
// with the values it leaves out counted on the chart.
import t from 'tap'
import { chartAxis, renderDriftHtml } from '../../../services/drift/html.js'
import { buildDriftReport, toCurrentData, type ReferenceData } from '../../../services/drift/report.js'

const steps = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step)

t.test('chartAxis: the 1st-99th percentile (nearest rank) widened by a quarter of its span, never past the data', async (t) => {
  // 0, 0.1, ..., 9.9: q01 = 0.1 (rank ceil(0.99)), q99 = 9.8 (rank floor(98.01)); margin 2.425 reaches past both ends.
  t.same(chartAxis(steps(100, 0, 0.1)), { lo: 0, hi: steps(100, 0, 0.1)[99], below: 0, above: 0 })
  // The same values and one of 1,000,000: the axis stops at q99 + margin, and the outlier is counted.
  const withOutlier = [...steps(200, 4, 0.02), 1_000_000]
  const axis = chartAxis(withOutlier)
  const q01 = withOutlier[Math.ceil(0.01 * 200)]
  const q99 = withOutlier[Math.floor(0.99 * 200)]
  t.equal(axis.lo, 4, 'the low side reaches the minimum (within the margin)')
  t.equal(axis.hi, q99 + (q99 - q01) * 0.25)
  t.ok(axis.hi < 10, `hi ${axis.hi} is near the data, not at 1,000,000`)
  t.same([axis.below, axis.above], [0, 1])
  // One low outlier (the issue's -5) as well.
  t.match(chartAxis([-5, ...steps(200, 4, 0.02), 1_000_000]), { below: 1, above: 1 })
  t.same(chartAxis([3, 3, 3]), { lo: 2.5, hi: 3.5, below: 0, above: 0 }, 'a constant column gets a unit-wide axis')
  t.same(chartAxis([]), { lo: -0.5, hi: 0.5, below: 0, above: 0 })
})

t.test('the report\'s histogram states its clipped axis and how many values lie outside it', async (t) => {
  const values = steps(150, 4.3, 0.024)
  const reference: ReferenceData = { columns: { sepal_length: values }, labels: null, rows: values.length, source: 'test' }
  const current = toCurrentData([...steps(60, 5.8, 0.06), 29.5].map((x) => ({ features: { sepal_length: x }, prediction: 'a' })), ['sepal_length'], ['a'])
  const report = buildDriftReport({ model: { name: 'm', version: '1' }, features: ['sepal_length'], classes: ['a'], reference, current, totalSamples: 61, minSamples: 30, now: new Date(0) })
  const html = renderDriftHtml(report, reference, current)
  const axis = chartAxis([...values, ...current.columns.sepal_length])
  t.equal(axis.above, 1)
  t.match(html, `data-axis-min="${axis.lo}" data-axis-max="${axis.hi}" data-outside-below="0" data-outside-above="1"`)
  t.match(html, `>1 value outside the axis (0 below ${axis.lo.toFixed(2)}, 1 above ${axis.hi.toFixed(2)})</text>`)
  t.match(html, /aria-label="sepal_length histogram, reference vs current; 1 value outside the axis/)
  // The bars share all values: the current series shows 60 of its 61 values.
  const current100 = [...html.matchAll(/<title>current \[[^)]+\): ([\d.]+) %<\/title>/g)].reduce((a, m) => a + Number(m[1]), 0)
  t.ok(Math.abs(current100 - 6000 / 61) < 0.6, `current shares sum to ${current100.toFixed(1)} % (60/61 in range)`)
})
