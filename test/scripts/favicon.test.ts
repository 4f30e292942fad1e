// web/favicon.ico is exactly what scripts/favicon.ts draws, so the committed binary can be rebuilt.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { drawFavicon } from '../../scripts/favicon.js'
import { projectRoot } from '../../services/lib/project-root.js'

t.test('the committed icon equals the drawn one: ICO, 16 and 32 px, 32-bit, transparent corners', async (t) => {
  const ico = drawFavicon()
  t.same(ico, await readFile(join(projectRoot, 'web', 'favicon.ico')))
  t.same([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], [0, 1, 2])
  // The 32 px image: its BMP header, then bottom-up BGRA rows.
  const offset = ico.readUInt32LE(6 + 16 + 12)
  t.same([ico.readUInt32LE(offset), ico.readInt32LE(offset + 4), ico.readInt32LE(offset + 8), ico.readUInt16LE(offset + 14)], [40, 32, 64, 32])
  const pixel = (x: number, y: number) => [...ico.subarray(offset + 40 + ((31 - y) * 32 + x) * 4, offset + 40 + ((31 - y) * 32 + x) * 4 + 4)]
  t.same(pixel(0, 0), [0, 0, 0, 0], 'a rounded corner is transparent')
  t.same(pixel(16, 2), [0x4d, 0x32, 0x17, 255], 'the background is the header navy')
  t.same(pixel(16, 24), [0xff, 0xff, 0xff, 255], 'the middle bar is white')
})
