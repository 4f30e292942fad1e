// Writes web/favicon.ico: the dashboard's icon (a bar chart on the header's navy), drawn here so the
// binary in git can be rebuilt and reviewed. 16x16 and 32x32 images, 32-bit BMP entries, ~5 KB.
// Usage: npx tsx scripts/favicon.ts
import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { projectRoot } from '../services/lib/project-root.js'

type Rgba = [number, number, number, number]
const NAVY: Rgba = [0x17, 0x32, 0x4d, 255]
const BARS: Rgba[] = [[0x9c, 0xc3, 0xea, 255], [0xff, 0xff, 0xff, 255], [0xf5, 0x85, 0x18, 255]]
const CLEAR: Rgba = [0, 0, 0, 0]

/** Pixel (x, y) from the top left of a size x size icon, in a 16-unit design grid. */
function pixel (size: number, x: number, y: number): Rgba {
  const u = 16 / size
  const [gx, gy] = [(x + 0.5) * u, (y + 0.5) * u]
  // Rounded square: corners cut with a radius of 3 units.
  const r = 3
  const cx = Math.min(Math.max(gx, r), 16 - r)
  const cy = Math.min(Math.max(gy, r), 16 - r)
  if ((gx - cx) ** 2 + (gy - cy) ** 2 > r * r) return CLEAR
  // Three bars on a baseline at y = 13: heights 5, 9, 7 units.
  const bars = [[3, 6, 5], [7, 10, 9], [11, 14, 7]] as const
  for (const [i, [x0, x1, h]] of bars.entries()) if (gx >= x0 && gx < x1 && gy >= 13 - h && gy < 13) return BARS[i]
  return NAVY
}

function bmp (size: number): Buffer {
  const header = Buffer.alloc(40)
  header.writeUInt32LE(40, 0)
  header.writeInt32LE(size, 4)
  header.writeInt32LE(size * 2, 8) // colour rows + AND-mask rows, as ICO requires
  header.writeUInt16LE(1, 12)
  header.writeUInt16LE(32, 14)
  header.writeUInt32LE(size * size * 4, 20)
  const pixels = Buffer.alloc(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(size, x, y)
      pixels.set([b, g, r, a], ((size - 1 - y) * size + x) * 4) // bottom-up rows, BGRA
    }
  }
  const mask = Buffer.alloc(Math.ceil(size / 32) * 4 * size) // all zero: the alpha channel decides
  return Buffer.concat([header, pixels, mask])
}

/** The icon file: an ICO directory and its two BMP images. */
export function drawFavicon (): Buffer {
  const images = [16, 32].map((size) => ({ size, data: bmp(size) }))
  const dir = Buffer.alloc(6 + 16 * images.length)
  dir.writeUInt16LE(0, 0)
  dir.writeUInt16LE(1, 2) // type 1: icon
  dir.writeUInt16LE(images.length, 4)
  let offset = dir.length
  for (const [i, { size, data }] of images.entries()) {
    const e = 6 + i * 16
    dir.writeUInt8(size, e)
    dir.writeUInt8(size, e + 1)
    dir.writeUInt16LE(1, e + 4)
    dir.writeUInt16LE(32, e + 6)
    dir.writeUInt32LE(data.length, e + 8)
    dir.writeUInt32LE(offset, e + 12)
    offset += data.length
  }
  return Buffer.concat([dir, ...images.map((i) => i.data)])
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = join(projectRoot, 'web', 'favicon.ico')
  const ico = drawFavicon()
  writeFileSync(out, ico)
  console.log(`wrote ${out} (${ico.length} bytes)`)
}
