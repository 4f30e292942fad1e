// The HTML drift report opened in a real browser (Debian's chromium, driven by playwright-core):
// it renders offline, with one histogram per feature whose bars have the shares the report states.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { chromium } from 'playwright-core'
import { buildTestApp } from '../helpers/app.js'
import { everyOther, irisModelsDir, irisRows, shiftedRows } from '../helpers/drift.js'
import { FEATURE_NAMES } from '../../schemas/iris.js'

t.test('data/drift_report.html renders in Chromium without network: 5 charts, 10+10 bars each, drifted sections marked', async (t) => {
  const dataDir = t.testdir({})
  const app = await buildTestApp(t, { MODELS_DIR: await irisModelsDir(t), DEFAULT_MODEL: 'iris', DATA_DIR: dataDir })
  await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: shiftedRows(everyOther(irisRows())) } })
  const report = (await app.inject({ method: 'GET', url: '/api/v1/drift-report?limit=75' })).json()

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ offline: true })
  const page = await context.newPage()
  const requests: string[] = []
  const errors: string[] = []
  page.on('request', (r) => requests.push(r.url()))
  page.on('pageerror', (e) => errors.push(e.message))
  const url = pathToFileURL(join(dataDir, 'drift_report.html')).href
  await page.goto(url)
  interface Chart { title: string, drifted: boolean, svg: { w: number, h: number } | null, bars: Array<{ h: number, title: string }> }
  // A string, so this Node-side file needs no DOM typings; it runs in the page.
  const seen = await page.evaluate(`(() => {
    const charts = [...document.querySelectorAll('section.feature')].map((s) => ({
      title: s.querySelector('h2')?.textContent ?? '',
      drifted: s.classList.contains('drifted'),
      svg: (() => { const b = s.querySelector('svg')?.getBoundingClientRect(); return b === undefined ? null : { w: b.width, h: b.height } })(),
      bars: [...s.querySelectorAll('svg rect')].map((r) => ({ h: Number(r.getAttribute('height')), title: r.querySelector('title')?.textContent ?? '' }))
    }))
    return { title: document.title, status: document.querySelector('.status')?.textContent ?? '', charts }
  })()`) as { title: string, status: string, charts: Chart[] }
  t.same(requests, [url], 'only the page itself is loaded')
  t.same(errors, [])
  t.equal(seen.title, 'Drift report: iris v1')
  t.match(seen.status, new RegExp(`Status: ${report.recommendations.monitoring_status}`))
  t.same(seen.charts.map((c) => c.title), [...FEATURE_NAMES, 'predicted class'])
  for (const c of seen.charts) t.same(c.svg, { w: 420, h: 180 }, `${c.title}: the SVG is laid out`)
  for (const f of FEATURE_NAMES) {
    const chart = seen.charts.find((c) => c.title === f)!
    t.equal(chart.drifted, report.drift_analysis.feature_drift_scores[f].drift_detected, `${f}: marked as the JSON says`)
    t.equal(chart.bars.length, 20)
    // Bar tooltips carry the bin shares: each series sums to 100 %.
    for (const series of ['reference', 'current']) {
      const total = chart.bars.filter((b) => b.title.startsWith(series)).reduce((a, b) => a + Number(/([\d.]+) %$/.exec(b.title)![1]), 0)
      t.ok(Math.abs(total - 100) < 0.6, `${f} ${series} shares sum to ${total.toFixed(1)} %`)
    }
  }
  const classes = seen.charts.find((c) => c.title === 'predicted class')!
  t.match(classes.bars.find((b) => b.title.startsWith('reference setosa'))?.title ?? '', /33\.3 %$/)
})
