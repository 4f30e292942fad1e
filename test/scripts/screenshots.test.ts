// scripts/screenshots.ts against a real gateway and Debian's Chromium: every page is written as a
// PNG of the documented width, each under the docs' 200 KB budget.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { PAGES, takeScreenshots } from '../../scripts/screenshots.js'

t.test('one PNG per page, 1100 px wide, each under 200 KB', async (t) => {
  const out = t.testdir({})
  const written = await takeScreenshots(out)
  t.same(written.map((w) => w.page), [...PAGES])
  for (const { page, path, bytes } of written) {
    const png = await readFile(path)
    t.equal(png.length, bytes)
    t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${page}: a PNG`)
    t.equal(png.readUInt32BE(16), 1100, `${page}: 1100 px wide`)
    t.ok(png.readUInt32BE(20) >= 600, `${page}: a full page (${png.readUInt32BE(20)} px high)`)
    t.ok(bytes < 200 * 1024, `${page}: ${Math.round(bytes / 1024)} KB`)
  }
})
