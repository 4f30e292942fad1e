// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a gateway
// listening on a free port. Screenshots of every page go to test/artifacts/screenshots/.
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { projectRoot } from '../../services/lib/project-root.js'
import { freePort } from '../../bench/lib.js'
import { buildTestApp, SETOSA } from '../helpers/app.js'

const shots = join(projectRoot, 'test', 'artifacts', 'screenshots')
let browser: Browser

t.before(async () => {
  await mkdir(shots, { recursive: true })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-domain-reliability', '--metrics-recording-only']
  })
})
t.teardown(() => browser?.close())

async function open (t: Test, env: Record<string, string> = {}) {
  const app = await buildTestApp(t, env)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const page: Page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  const external: string[] = []
  page.on('request', (req) => { if (!req.url().startsWith(base)) external.push(req.url()) })
  t.teardown(() => page.close())
  return { app, base, page, external }
}

t.test('Predict: the form shows the predicted class and the probability chart', async (t) => {
  const { app, base, page, external } = await open(t)
  await page.goto(`${base}/#predict`)
  await page.getByLabel('Sepal length').fill('6.3')
  await page.getByLabel('Sepal width').fill('3.3')
  await page.getByLabel('Petal length').fill('6.0')
  await page.getByLabel('Petal width').fill('2.5')
  await page.getByRole('button', { name: 'Classify' }).click()
  await page.locator('#iris-result').filter({ hasText: 'Predicted class' }).waitFor()
  const expected = (await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 } })).json()
  t.match(await page.locator('#iris-result').textContent(), /^Predicted class: virginica \(confidence \d+\.\d %, model iris v1\)/)
  const chart = await page.evaluate(() => { const c = (globalThis as any).dashboard.charts['iris-chart']; return { labels: c.data.labels, data: c.data.datasets[0].data } })
  t.same(chart.labels, ['setosa', 'versicolor', 'virginica'])
  t.same(chart.data, expected.probabilities)

  await page.getByLabel('x1').fill('1.5')
  await page.getByLabel('x2').fill('2.3')
  await page.getByRole('button', { name: 'Predict', exact: true }).click()
  await page.locator('#simple-result').filter({ hasText: /P\(class 1\)|simple_classifier/ }).waitFor()
  const simple = await page.locator('#simple-result').textContent()
  if (app.hasRoute({ method: 'POST', url: '/predict' })) {
    const p = (await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3]] } })).json().predictions[0][0] as number
    t.equal(simple, `P(class 1) = ${p.toFixed(4)} → class ${p >= 0.5 ? 1 : 0}`)
  } else {
    t.equal(simple, 'simple_classifier: not available on this gateway (/predict is not served)')
  }
  await page.screenshot({ path: join(shots, 'predict.png'), fullPage: true })
  t.same(external, [], 'no request leaves the gateway (all assets local)')
})

t.test('Drift: a shifted stream shows the verdict and per-feature histograms', async (t) => {
  const { app, base, page } = await open(t, { DRIFT_MIN_SAMPLES: '10' })
  for (let i = 0; i < 40; i++) {
    await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: { sepal_length: 4.8 + (i % 10) * 0.2, sepal_width: 3 + (i % 5) * 0.1, petal_length: 1.3 + (i % 3) * 2, petal_width: 0.2 + (i % 3) * 0.9 } })
  }
  await new Promise((resolve) => setTimeout(resolve, 300))
  const report = (await app.inject('/api/v1/drift-report?limit=100')).json()
  await page.goto(`${base}/#drift`)
  await page.locator('#drift-verdict').filter({ hasText: 'Verdict' }).waitFor()
  const verdict = await page.locator('#drift-verdict').textContent()
  t.match(verdict, new RegExp(`^Verdict: ${report.recommendations.monitoring_status} — drift detected`))
  t.match(verdict, /80 rows vs 120 reference rows/)
  await page.locator('#drift-histograms svg').first().waitFor()
  t.equal(await page.locator('#drift-histograms figure').count(), 5, 'a histogram per feature and one for the predicted class')
  t.match(await page.locator('#drift-histograms figcaption').first().textContent(), /^sepal_length: /)
  t.match(await page.locator('#drift-features').textContent(), /sepal_length: kolmogorov_smirnov score [0-9.e-]+ — drifted/)
  await page.screenshot({ path: join(shots, 'drift.png'), fullPage: true })
})

t.test('Health: a failing dependency shows on the page', async (t) => {
  const models = t.testdir({})
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '1'), { recursive: true })
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '2'), { recursive: true })
  await writeFile(join(models, 'iris', '2', 'model.onnx'), 'not a model')
  // A Redis on a port nobody listens on: a real connection failure, not a stub.
  const closed = await freePort()
  const { base, page } = await open(t, { MODELS_DIR: models, REDIS_URL: `redis://127.0.0.1:${closed}/0`, REDIS_CONNECT_TIMEOUT_MS: '200' })
  // Reached by keyboard: the nav link takes Enter, and focus lands on the new page's heading.
  await page.goto(`${base}/#predict`)
  await page.getByRole('link', { name: 'Health' }).focus()
  await page.keyboard.press('Enter')
  await page.locator('#health-overall').filter({ hasText: 'Gateway status' }).waitFor()
  t.equal(await page.evaluate(() => (globalThis as any).document.activeElement?.id as string | undefined), 'health-title')
  t.equal(await page.getByRole('link', { name: 'Health' }).getAttribute('aria-current'), 'page')
  t.equal(await page.locator('#health-overall').textContent(), 'Gateway status: degraded')
  const onnx = page.locator('tr[data-dependency="onnx"]')
  t.equal(await onnx.locator('td').nth(1).textContent(), 'degraded')
  t.match(await onnx.locator('td').nth(2).textContent(), /"version":"2","error":"model.onnx sha256 [0-9a-f]+ does not match metadata.json/)
  const redis = page.locator('tr[data-dependency="redis"]')
  t.equal(await redis.locator('td').nth(1).textContent(), 'down')
  t.match(await redis.locator('td').nth(1).getAttribute('class'), 'status-down')
  t.match(await redis.locator('td').nth(2).textContent(), /"connection":"(connecting|reconnecting|close|end)"/)
  await page.screenshot({ path: join(shots, 'health.png'), fullPage: true })
})

t.test('Cache, Serving, Chat and Models pages show data or say plainly what is missing', async (t) => {
  const { app, base, page } = await open(t)
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  const stats = (await app.inject('/api/v1/cache/stats')).json()
  await page.goto(`${base}/#cache`)
  await page.locator('#cache-status').filter({ hasText: 'hit ratio' }).waitFor()
  t.match(await page.locator('#cache-status').textContent(), new RegExp(`^Exact hit ratio ${(stats.exact.hit_ratio * 100).toFixed(1)} % \\(${stats.exact.hits} hits, ${stats.exact.misses} misses\\)`))
  await page.screenshot({ path: join(shots, 'cache.png'), fullPage: true })

  await page.goto(`${base}/#serving`)
  await page.getByRole('button', { name: 'Compare serving methods' }).click()
  await page.locator('#serving-status').filter({ hasText: /Fastest|Serving comparison/ }).waitFor()
  const serving = await page.locator('#serving-status').textContent()
  if (app.hasRoute({ method: 'POST', url: '/api/v1/serving-comparison' })) t.match(serving, /^Fastest: direct_onnx/)
  else t.equal(serving, 'Serving comparison: not available on this gateway (/api/v1/serving-comparison is not served)')
  await page.screenshot({ path: join(shots, 'serving.png'), fullPage: true })

  await page.goto(`${base}/#chat`)
  await page.getByLabel('Message').fill('Hello there')
  await page.getByRole('button', { name: 'Send' }).click()
  await page.locator('#chat-status').filter({ hasText: /Done|failed/ }).waitFor()
  const chat = await page.locator('#chat-status').textContent()
  if (app.hasRoute({ method: 'POST', url: '/api/v1/chat' })) t.match(chat, /^Chat failed: .*Ollama/, 'no Ollama in this test: the page names it')
  else t.equal(chat, 'Chat failed: chat is not available on this gateway')
  await page.screenshot({ path: join(shots, 'chat.png'), fullPage: true })

  await page.goto(`${base}/#models`)
  await page.locator('#models-list table').waitFor()
  t.match(await page.locator('#models-list table').textContent(), /iris1yes0/)
  await page.screenshot({ path: join(shots, 'models.png'), fullPage: true })
})
