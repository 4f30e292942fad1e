// Screenshots of the dashboard for docs/dashboard.md: starts the gateway on a free port with a
// temporary data directory, sends it some traffic (classifications, seed 002's /predict, a shifted
// stream with one outlier for the drift page), and photographs each page with Debian's Chromium
// (playwright-core; no browser is downloaded). Writes docs/images/dashboard-<page>.png.
// Usage: npx tsx scripts/screenshots.ts [output directory]
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { buildApp } from '../app.js'
import { projectRoot } from '../services/lib/project-root.js'

const ADMIN_TOKEN = 'screenshot-admin-token-0001'
export const PAGES = ['predict', 'models', 'drift', 'chat', 'health'] as const

/** Photographs each page into `out`; answers each file's path and size in bytes. */
export async function takeScreenshots (out: string): Promise<Array<{ page: string, path: string, bytes: number }>> {
  await mkdir(out, { recursive: true })
  const written: Array<{ page: string, path: string, bytes: number }> = []
  const data = await mkdtemp(join(tmpdir(), 'gw-shots-'))
  const app = await buildApp({ env: { LOG_LEVEL: 'silent', GRPC_PORT: '0', DATA_DIR: data, DRIFT_MIN_SAMPLES: '10', ADMIN_TOKEN, PLUGIN_TIMEOUT_MS: '120000' }, logger: false })
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] })
  try {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    // Traffic: a shifted stream (drift), one in-bounds outlier, cached repeats, and /predict (loads the registry's production version).
    for (let i = 0; i < 40; i++) {
      await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: { sepal_length: 4.8 + (i % 10) * 0.2, sepal_width: 3 + (i % 5) * 0.1, petal_length: 1.3 + (i % 3) * 2, petal_width: 0.2 + (i % 3) * 0.9 } })
    }
    await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 29.5, sepal_width: 3.1, petal_length: 4.4, petal_width: 1.4 } })
    for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 } })
    await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3]] } })

    const page = await browser.newPage({ viewport: { width: 1100, height: 760 } })
    const shot = async (name: string) => {
      const path = join(out, `dashboard-${name}.png`)
      await page.screenshot({ path, fullPage: true })
      written.push({ page: name, path, bytes: (await stat(path)).size })
    }

    await page.goto(`${base}/#predict`)
    await page.locator('#predict-model option').nth(1).waitFor({ state: 'attached' })
    for (const [f, v] of [['sepal_length', '6.3'], ['sepal_width', '3.3'], ['petal_length', '6.0'], ['petal_width', '2.5']]) await page.locator(`#predict-features input[name="${f}"]`).fill(v)
    await page.getByRole('button', { name: 'Classify' }).click()
    await page.locator('#iris-result.status-ok').waitFor()
    await page.getByRole('button', { name: 'Predict', exact: true }).click()
    await page.locator('#simple-result.status-ok').waitFor()
    await shot('predict')

    await page.goto(`${base}/#models`)
    await page.locator('#models-list table').waitFor()
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN)
    await page.getByRole('button', { name: 'Show registry versions' }).click()
    await page.locator('#registry-versions table').waitFor()
    await shot('models')

    await page.goto(`${base}/#drift`)
    await page.locator('#drift-histograms svg').first().waitFor()
    await shot('drift')

    await page.goto(`${base}/#chat`)
    await page.getByLabel('Message').fill('What is the Iris dataset?')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('#chat-status.status-ok, #chat-status.status-error').waitFor()
    await shot('chat')

    await page.goto(`${base}/#health`)
    await page.locator('#health-table tr').first().waitFor()
    await shot('health')
  } finally {
    await browser.close()
    await app.close()
    await rm(data, { recursive: true, force: true })
  }
  return written
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { path, bytes } of await takeScreenshots(process.argv[2] ?? join(projectRoot, 'docs', 'images'))) console.log(`${path}: ${Math.round(bytes / 1024)} KB`)
}
