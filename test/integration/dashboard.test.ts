// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a gateway
// listening on a free port. Screenshots of every page go to test/artifacts/screenshots/.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { projectRoot } from '../../services/lib/project-root.js'
import { freePort } from '../../bench/lib.js'
import { buildTestApp, SETOSA } from '../helpers/app.js'
import { startOllamaDouble } from '../helpers/ollama-double.js'

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
  // A loaded machine can take long to compile and load every plugin on a test's first app.
  const app = await buildTestApp(t, { PLUGIN_TIMEOUT_MS: '180000', ...env })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const page: Page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  const external: string[] = []
  page.on('request', (req) => { if (!req.url().startsWith(base)) external.push(req.url()) })
  // Every console error and uncaught page error, with the URL it came from: each test asserts the
  // list (empty, or exactly the upstream failure the test causes).
  const consoleErrors: string[] = []
  page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(`${msg.text()} ${msg.location().url.replace(base, '')}`) })
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`))
  t.teardown(() => page.close())
  return { app, base, page, external, consoleErrors }
}

/** Distance in pixels from the bottom of `inner` to the bottom of `outer`. */
async function gapBelow (page: Page, inner: string, outer: string): Promise<number> {
  return await page.evaluate(`document.querySelector(${JSON.stringify(outer)}).getBoundingClientRect().bottom - document.querySelector(${JSON.stringify(inner)}).getBoundingClientRect().bottom`) as number
}

t.test('Predict: the form adapts to the chosen model, shows no gap before a result, and the page loads without console errors', async (t) => {
  const { app, base, page, external, consoleErrors } = await open(t)
  // Seed 002's /predict loads the registry's production version: it is then served as simple_classifier@registry (2 features).
  const seeded = (await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3]] } })).json().predictions[0][0] as number
  await page.goto(`${base}/#predict`)
  await page.locator('#predict-model option').nth(2).waitFor({ state: 'attached' })
  t.same(await page.locator('#predict-model option').evaluateAll((os) => os.map((o) => [(o as unknown as { value: string }).value, o.textContent])), [
    ['iris', 'iris v1 (default)'], ['iris_mlp', 'iris_mlp v1'], ['simple_classifier@registry', 'simple_classifier@registry v1 (registry alias production of simple_classifier)']
  ])
  const fields = async () => await page.locator('#predict-features input').evaluateAll((is) => is.map((i) => (i as unknown as { name: string }).name))

  // Before any result: no empty status line and no empty chart box between the form and the card's edge.
  t.equal(await page.locator('#iris-result').boundingBox(), null, 'the empty status line takes no room')
  t.equal(await page.locator('#iris-chart-box').isHidden(), true, 'no chart box before a result')
  const cardGap = await gapBelow(page, '#iris-form', '#page-predict .card')
  t.ok(cardGap <= 24, `the card ends with its padding after the form (${cardGap} px)`)

  t.same(await fields(), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
  await page.getByLabel('Sepal length').fill('6.3')
  await page.getByLabel('Sepal width').fill('3.3')
  await page.getByLabel('Petal length').fill('6.0')
  await page.getByLabel('Petal width').fill('2.5')
  await page.getByRole('button', { name: 'Classify' }).click()
  await page.locator('#iris-result').filter({ hasText: 'Predicted class' }).waitFor()
  const expected = (await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 } })).json()
  t.match(await page.locator('#iris-result').textContent(), /^Predicted class: virginica \(confidence \d+\.\d %, model iris v1\)/)
  const chartOf = async () => await page.evaluate(() => { const c = (globalThis as any).dashboard.charts['iris-chart']; return { labels: c.data.labels, data: c.data.datasets[0].data } })
  t.same(await chartOf(), { labels: ['setosa', 'versicolor', 'virginica'], data: expected.probabilities })
  t.equal(await page.locator('#iris-chart-box').isVisible(), true)
  const box = await page.locator('#iris-chart-box').boundingBox()
  t.ok(box !== null && box.height > 150, 'the chart is laid out once there is a result')

  // The 2-feature registry model: the form takes x1 and x2 (its metadata), and the answer is its probability.
  await page.locator('#predict-model').selectOption('simple_classifier@registry')
  t.same(await fields(), ['x1', 'x2'])
  t.equal(await page.locator('#predict-features legend').textContent(), 'Features of simple_classifier@registry')
  t.equal(await page.locator('#iris-chart-box').isHidden(), true, 'the previous model\'s chart goes with it')
  await page.locator('#predict-features').getByLabel('x1').fill('1.5')
  await page.locator('#predict-features').getByLabel('x2').fill('2.3')
  await page.getByRole('button', { name: 'Classify' }).click()
  await page.locator('#iris-result').filter({ hasText: 'P(positive)' }).waitFor()
  t.equal(await page.locator('#iris-result').textContent(), `P(positive) = ${seeded.toFixed(4)} (model simple_classifier@registry v1)`)
  t.same(await chartOf(), { labels: ['positive'], data: [seeded] })

  // Back to an Iris model: the four measurements come back as typed.
  await page.locator('#predict-model').selectOption('iris_mlp')
  t.same(await fields(), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
  t.equal(await page.getByLabel('Petal length').inputValue(), '6.0')
  await page.getByRole('button', { name: 'Classify' }).click()
  await page.locator('#iris-result').filter({ hasText: 'model iris_mlp v1' }).waitFor()
  t.match(await page.locator('#iris-result').textContent(), /^Predicted class: virginica \(confidence \d+\.\d %, model iris_mlp v1\)/)

  await page.locator('#simple-form').getByLabel('x1').fill('1.5')
  await page.locator('#simple-form').getByLabel('x2').fill('2.3')
  await page.getByRole('button', { name: 'Predict', exact: true }).click()
  await page.locator('#simple-result').filter({ hasText: /P\(class 1\)|simple_classifier/ }).waitFor()
  t.equal(await page.locator('#simple-result').textContent(), `P(class 1) = ${seeded.toFixed(4)} → class ${seeded >= 0.5 ? 1 : 0}`)
  await page.screenshot({ path: join(shots, 'predict.png'), fullPage: true })

  // The icon the page links, and the one browsers ask for on their own: a real ICO, not a 404.
  t.equal(await page.locator('link[rel="icon"]').getAttribute('href'), '/favicon.ico')
  const icon = await page.request.get(`${base}/favicon.ico`)
  t.equal(icon.status(), 200)
  t.match(icon.headers()['content-type'], /^image\/(x-icon|vnd\.microsoft\.icon)$/)
  const bytes = await icon.body()
  t.same(bytes, await readFile(join(projectRoot, 'web', 'favicon.ico')))
  t.same([...bytes.subarray(0, 6)], [0, 0, 1, 0, 2, 0], 'an ICO header with two images')
  t.same(external, [], 'no request leaves the gateway (all assets local)')
  t.same(consoleErrors, [], 'no console error or page error')

  // The error state: a value outside the model's bounds is the API's 400, shown in words naming the field; no stale chart.
  await page.getByLabel('Sepal length').fill('31')
  await page.getByRole('button', { name: 'Classify' }).click()
  await page.locator('#iris-result.status-error').waitFor()
  t.equal(await page.locator('#iris-result').textContent(), 'Classification failed: body/sepal_length must be <= 30')
  t.equal(await page.locator('#iris-chart-box').isHidden(), true)
  t.same(consoleErrors, ['Failed to load resource: the server responded with a status of 400 (Bad Request) /api/v1/classify?model=iris_mlp'], 'only the browser\'s note of the 400')
})

t.test('Drift: a shifted stream shows the verdict, per-feature scores and histograms; one outlier does not flatten the axis', async (t) => {
  const { app, base, page, consoleErrors } = await open(t, { DRIFT_MIN_SAMPLES: '10' })
  for (let i = 0; i < 40; i++) {
    await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: { sepal_length: 4.8 + (i % 10) * 0.2, sepal_width: 3 + (i % 5) * 0.1, petal_length: 1.3 + (i % 3) * 2, petal_width: 0.2 + (i % 3) * 0.9 } })
  }
  // One sepal length of 29.5 cm (within the model's 0-30 cm bounds): before clipping, the axis ran to it.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 29.5, sepal_width: 3.1, petal_length: 4.4, petal_width: 1.4 } })).statusCode, 200)
  await new Promise((resolve) => setTimeout(resolve, 300))
  const report = (await app.inject('/api/v1/drift-report?limit=100')).json()
  const html = (await app.inject('/api/v1/drift-report?limit=100&format=html')).body
  await page.goto(`${base}/#drift`)
  await page.locator('#drift-verdict').filter({ hasText: 'Verdict' }).waitFor()
  const verdict = await page.locator('#drift-verdict').textContent()
  t.match(verdict, new RegExp(`^Verdict: ${report.recommendations.monitoring_status} — drift detected`))
  t.match(verdict, /81 rows vs 120 reference rows/)
  await page.locator('#drift-histograms svg').first().waitFor()
  t.equal(await page.locator('#drift-histograms figure').count(), 5, 'a histogram per feature and one for the predicted class')
  t.match(await page.locator('#drift-histograms figcaption').first().textContent(), /^sepal_length/)
  const row = page.locator('#drift-features tr[data-feature="sepal_length"] td')
  const sl = report.drift_analysis.feature_drift_scores.sepal_length
  t.same(await row.allTextContents(), ['sepal_length', sl.statistical_test, `${sl.score_kind} ${sl.drift_score !== 0 && Math.abs(sl.drift_score) < 1e-3 ? sl.drift_score.toExponential(2) : Number(sl.drift_score.toPrecision(4))}`, String(sl.threshold), sl.drift_detected ? 'drifted' : 'stable'])

  // The axis of the sepal_length chart, read from the chart itself: clipped near the data, the outlier counted.
  const svg = page.locator('#drift-histograms figure').first().locator('svg')
  const axis = { min: Number(await svg.getAttribute('data-axis-min')), max: Number(await svg.getAttribute('data-axis-max')), below: await svg.getAttribute('data-outside-below'), above: await svg.getAttribute('data-outside-above') }
  t.match(html, `data-axis-min="${axis.min}" data-axis-max="${axis.max}"`, 'the page shows the report\'s own chart')
  t.ok(axis.min >= 4.3 && axis.min < 5, `axis starts at ${axis.min}, by the data`)
  t.ok(axis.max > 9 && axis.max < 12, `axis ends at ${axis.max}, not at 29.5`)
  t.same([axis.below, axis.above], ['0', '1'])
  t.equal(await svg.locator('text.outside').textContent(), `1 value outside the axis (0 below ${axis.min.toFixed(2)}, 1 above ${axis.max.toFixed(2)})`)
  t.ok((await svg.locator('text.outside').boundingBox())!.width > 100, 'the note is drawn')
  // The other features have no outlier: nothing is clipped, nothing is noted.
  const others = page.locator('#drift-histograms figure').nth(1).locator('svg')
  t.equal(await others.getAttribute('data-outside-above'), '0')
  t.equal(await others.locator('text.outside').count(), 0)
  await page.screenshot({ path: join(shots, 'drift.png'), fullPage: true })
  t.same(consoleErrors, [], 'no console error or page error')
})

t.test('Health: a failing dependency shows on the page', async (t) => {
  const models = t.testdir({})
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '1'), { recursive: true })
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '2'), { recursive: true })
  await writeFile(join(models, 'iris', '2', 'model.onnx'), 'not a model')
  // A Redis on a port nobody listens on: a real connection failure, not a stub.
  const closed = await freePort()
  const { base, page, consoleErrors } = await open(t, { MODELS_DIR: models, REDIS_URL: `redis://127.0.0.1:${closed}/0`, REDIS_CONNECT_TIMEOUT_MS: '200' })
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
  t.match(await onnx.locator('td').nth(2).textContent(), /^default_model: iris\nmodels: iris v1; iris v2 \(not loaded: model\.onnx sha256 [0-9a-f]+ does not match metadata\.json/)
  const redis = page.locator('tr[data-dependency="redis"]')
  t.equal(await redis.locator('td').nth(1).textContent(), 'down')
  t.match(await redis.locator('td').nth(1).getAttribute('class'), 'status-down')
  t.match(await redis.locator('td').nth(2).textContent(), /(^|\n)connection: (connecting|reconnecting|close|end)(\n|$)/)
  await page.screenshot({ path: join(shots, 'health.png'), fullPage: true })
  t.same(consoleErrors, [], 'no console error or page error')
})

t.test('Cache, Serving and Chat pages show data or say plainly what is missing', async (t) => {
  const { app, base, page, consoleErrors } = await open(t)
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  const stats = (await app.inject('/api/v1/cache/stats')).json()
  await page.goto(`${base}/#cache`)
  await page.locator('#cache-status').filter({ hasText: 'hit ratio' }).waitFor()
  t.match(await page.locator('#cache-status').textContent(), new RegExp(`^Exact hit ratio ${(stats.exact.hit_ratio * 100).toFixed(1)} % \\(${stats.exact.hits} hits, ${stats.exact.misses} misses\\)`))
  const lookups = (stats.semantic.similarity_histogram as Array<{ count: number }>).reduce((a, b) => a + b.count, 0)
  t.equal(lookups, 0, 'no Ollama here: no semantic lookup')
  t.equal(await page.locator('#cache-chart-box').isHidden(), true, 'no empty chart')
  t.equal(await page.locator('#cache-note').textContent(), 'No semantic lookups yet: the histogram of best similarities appears after the first LLM prompt.')
  await page.screenshot({ path: join(shots, 'cache.png'), fullPage: true })

  await page.goto(`${base}/#serving`)
  t.equal(await page.locator('#serving-chart-box').isHidden(), true, 'no empty chart before a comparison')
  await page.getByRole('button', { name: 'Compare serving methods' }).click()
  await page.locator('#serving-status').filter({ hasText: /Fastest|Serving comparison/ }).waitFor()
  const serving = await page.locator('#serving-status').textContent()
  if (app.hasRoute({ method: 'POST', url: '/api/v1/serving-comparison' })) t.match(serving, /^Fastest: direct_onnx/)
  else t.equal(serving, 'Serving comparison: not available on this gateway (/api/v1/serving-comparison is not served)')
  await page.screenshot({ path: join(shots, 'serving.png'), fullPage: true })
  t.same(consoleErrors, [], 'no console error or page error on Cache and Serving')

  await page.goto(`${base}/#chat`)
  await page.getByLabel('Message').fill('Hello there')
  await page.getByRole('button', { name: 'Send' }).click()
  await page.locator('#chat-status').filter({ hasText: /Done|failed/ }).waitFor()
  const chat = await page.locator('#chat-status').textContent()
  const log = await page.locator('#chat-log li').allTextContents()
  if (app.hasRoute({ method: 'POST', url: '/api/v1/chat' })) {
    // No Ollama in this test: the conversation shows the upstream's error where the answer would be, and no empty answer.
    const health = (await app.inject('/health')).json().dependencies.ollama
    t.equal(health.status, 'down')
    t.match(chat, /^Chat failed: Ollama is unavailable/)
    t.same(log, ['You: Hello there', `No answer: ${chat!.slice('Chat failed: '.length)}`])
    t.equal(await page.locator('#chat-log li.chat-error').count(), 1)
    t.same(consoleErrors, ['Failed to load resource: the server responded with a status of 503 (Service Unavailable) /api/v1/chat'], 'the one console error is the browser noting the 503')
  } else {
    t.equal(chat, 'Chat failed: chat is not available on this gateway')
    t.same(log, ['You: Hello there', 'No answer: chat is not available on this gateway'])
  }
  t.notOk(log.some((line) => line.trim() === 'Assistant:'), 'no empty "Assistant:" line')
  await page.screenshot({ path: join(shots, 'chat.png'), fullPage: true })
})

t.test('Models: which version answers by default, which registry alias a version serves, and the registry on request', async (t) => {
  const models = t.testdir({})
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '1'), { recursive: true })
  await cp(join(projectRoot, 'models', 'iris', '1'), join(models, 'iris', '2'), { recursive: true })
  await cp(join(projectRoot, 'models', 'iris_mlp', '1'), join(models, 'iris_mlp', '1'), { recursive: true })
  await cp(join(projectRoot, 'models', 'registry'), join(models, 'registry'), { recursive: true })
  const token = 'dashboard-test-admin-token'
  const { app, base, page, consoleErrors } = await open(t, { MODELS_DIR: models, ADMIN_TOKEN: token })
  t.equal((await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3]] } })).statusCode, 200, '/predict serves the production alias')
  await page.goto(`${base}/#models`)
  await page.locator('#models-list tr[data-model="simple_classifier@registry/1"]').waitFor()
  t.equal(await page.locator('#models-summary').textContent(), 'Requests that name no model are answered by iris. A model named without a version is answered by its newest loaded version; registry aliases are served as <name>@registry.')
  const rows = await page.locator('#models-list tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)))
  const iris = 'sepal_length, sepal_width, petal_length, petal_width'
  t.same(rows, [
    ['iris', '1', 'only when asked for: ?model=iris&version=1', iris],
    ['iris', '2', "default version of iris; the gateway's default model", iris],
    ['iris_mlp', '1', 'default version of iris_mlp', iris],
    ['simple_classifier@registry', '1', 'registry alias production of simple_classifier', 'x1, x2']
  ])
  t.notMatch(await page.locator('#models-list').textContent(), /\byes\b/, 'no bare "yes" column any more')
  // The default is what the API really does: iris without a version is answered by v2.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris', payload: SETOSA })).json().model.version, '2')

  await page.getByLabel('Admin token').fill(token)
  await page.getByRole('button', { name: 'Show registry versions' }).click()
  await page.locator('#registry-versions tr[data-version="simple_classifier/1"]').waitFor()
  const version = await page.locator('#registry-versions tr[data-version="simple_classifier/1"] td').allTextContents()
  const expected = (await app.inject({ url: '/api/v1/registry/models/simple_classifier/versions', headers: { authorization: `Bearer ${token}` } })).json().versions[0]
  t.same(version, ['simple_classifier', '1', expected.stage, Object.entries(expected.metrics as Record<string, number>).map(([k, x]) => `${k}=${Number(x.toFixed(4))}`).join(', '), 'production', 'as simple_classifier@registry (alias production)'])
  await page.screenshot({ path: join(shots, 'models.png'), fullPage: true })
  t.same(consoleErrors, [], 'no console error or page error')
})

t.test('Chat: an answer that fails mid-stream keeps what arrived and says it was cut short (fault injected by the Ollama double)', async (t) => {
  const ollama = await startOllamaDouble(t)
  ollama.mode.kind = 'error-mid-stream'
  const { app, base, page, consoleErrors } = await open(t, { OLLAMA_URL: ollama.url })
  t.ok(app.hasRoute({ method: 'POST', url: '/api/v1/chat' }))
  await page.goto(`${base}/#chat`)
  await page.getByLabel('Message').fill('Hello there')
  await page.getByRole('button', { name: 'Send' }).click()
  await page.locator('#chat-status').filter({ hasText: /Done|failed/ }).waitFor()
  const log = await page.locator('#chat-log li').allTextContents()
  t.equal(log.length, 3, log.join(' | '))
  t.equal(log[0], 'You: Hello there')
  t.match(log[1], /^Assistant: \S/, 'the tokens that arrived stay')
  t.match(log[2], /^Answer cut short: .*the model failed to generate a response/)
  t.match(await page.locator('#chat-status').textContent(), /^Chat failed: .*the model failed to generate a response/)
  t.same(consoleErrors, [], 'the stream itself answered 200: no console error')
})
