// The dashboard's files through the whole app: the page, its script, the locally served chart
// library (and nothing else from node_modules), and the API's 404 still in charge of unknown paths.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { buildTestApp } from '../helpers/app.js'

const require = createRequire(import.meta.url)

t.test('GET / is the dashboard page with every page section and only local assets', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject('/')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.equal(res.body, await readFile(join(projectRoot, 'web', 'index.html'), 'utf8'))
  const pages = [...res.body.matchAll(/data-page="([a-z]+)"/g)].map((m) => m[1])
  t.same(pages, ['predict', 'chat', 'models', 'drift', 'serving', 'cache', 'health'])
  const assets = [...res.body.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1])
  t.same(assets, ['/favicon.ico', '/style.css', '/vendor/chart.js/chart.umd.min.js', '/app.js'])
  for (const path of assets) t.equal((await app.inject(path)).statusCode, 200, `${path} is served`)
  t.match((await app.inject('/app.js')).headers['content-type'], /javascript/)
})

t.test('GET /favicon.ico is the icon from web/, an ICO with a 16 and a 32 pixel image', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject('/favicon.ico')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^image\/(x-icon|vnd\.microsoft\.icon)$/)
  t.same(res.rawPayload, await readFile(join(projectRoot, 'web', 'favicon.ico')))
  const ico = res.rawPayload
  t.same([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], [0, 1, 2], 'reserved 0, type 1 (icon), 2 images')
  t.same([ico[6], ico[7], ico[22], ico[23]], [16, 16, 32, 32], 'a 16x16 and a 32x32 image')
  t.equal(ico.length, 5430)
})

t.test('the chart library comes from its npm package, cached a day; other package files are not served', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject('/vendor/chart.js/chart.umd.min.js')
  const file = join(require.resolve('chart.js/auto'), '..', '..', 'dist', 'chart.umd.min.js')
  t.equal(res.body, await readFile(file, 'utf8'))
  t.equal(res.headers['cache-control'], 'public, max-age=86400')
  t.ok(res.headers.etag)
  t.equal((await app.inject({ url: '/vendor/chart.js/chart.umd.min.js', headers: { 'if-none-match': String(res.headers.etag) } })).statusCode, 304)
  const other = await app.inject('/vendor/chart.js/chart.js')
  t.equal(other.statusCode, 404)
  t.equal(other.json().code, 'GW_ROUTE_NOT_FOUND')
  const unknown = await app.inject('/no-such-page.html')
  t.same(unknown.json(), { statusCode: 404, code: 'GW_ROUTE_NOT_FOUND', error: 'Not Found', message: 'Route GET /no-such-page.html not found' })
})
