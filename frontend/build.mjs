// Builds frontend/dist (CSS, JavaScript, images and manifest.json). Deterministic: the same inputs give
// byte-identical files, because CI rebuilds and fails on any difference.
// How it works and the conversion rules: docs/frontend.md.

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const dist = join(here, 'dist')
const assets = join(dist, 'assets')

const favicon = {
  size: 32,
  background: [0x0b, 0x0c, 0x0c],
  foreground: [0xff, 0xff, 0xff],
  ring: { centre: 16, outer: 10, inner: 6 }
}

function main () {
  const started = process.hrtime.bigint()

  rmSync(dist, { recursive: true, force: true })
  mkdirSync(join(assets, 'images'), { recursive: true })

  const manifest = {}

  /** Writes `dist/assets/<stem>-<8 hex of sha256><ext>` and records it under `logical`. */
  function emitHashed (logical, stem, ext, content) {
    const hash = createHash('sha256').update(content).digest('hex').slice(0, 8)
    const name = `${stem}-${hash}${ext}`
    writeFileSync(join(assets, name), content)
    manifest[logical] = name
    return name
  }

  // 1. Styles.
  const css = sass.compile(join(here, 'styles', 'app.scss'), {
    style: 'compressed',
    sourceMap: false,
    loadPaths: [join(here, 'node_modules')],
    // Deprecation notices from inside govuk-frontend are theirs to fix, not ours.
    quietDeps: true
  }).css
  for (const banned of ['GDS Transport', 'govuk-crest', '/fonts/']) {
    if (css.includes(banned)) throw new Error(`app.css must not reference ${banned}`)
  }
  emitHashed('app.css', 'app', '.css', css + '\n')

  // 2. govuk-frontend's ES module bundle, without the pointer to a source map we do not ship.
  const govukJs = readFileSync(join(govuk, 'govuk-frontend.min.js'), 'utf8')
    .replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n')
  const govukJsName = emitHashed('govuk-frontend.min.js', 'govuk-frontend', '.min.js', govukJs)

  // 3. Our own module, importing govuk-frontend by its hashed name.
  const appJs = readFileSync(join(here, 'scripts', 'app.mjs'), 'utf8')
  const appJsBuilt = appJs.replace("'./govuk-frontend.min.js'", `'./${govukJsName}'`)
  if (appJsBuilt === appJs) throw new Error("scripts/app.mjs must import from './govuk-frontend.min.js'")
  emitHashed('app.mjs', 'app', '.mjs', appJsBuilt)

  // 4. Images. govuk-frontend's favicons are the crown, so the service has a neutral icon of its
  // own: a ring on a dark square, as SVG and as a 32×32 PNG inside an .ico for browsers without
  // SVG icons.
  writeFileSync(join(assets, 'images', 'favicon.svg'), faviconSvg())
  writeFileSync(join(assets, 'images', 'favicon.ico'), icoFromPng(faviconPng()))
  for (const image of ['favicon.ico', 'favicon.svg']) manifest[`images/${image}`] = `images/${image}`

  // 5. Manifest, sorted.
  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => compare(a, b)))
  writeFileSync(join(dist, 'manifest.json'), JSON.stringify(sorted, null, 2) + '\n')

  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(`dist: ${Object.keys(sorted).length} assets (${seconds.toFixed(1)} s)`)
}

/** Code-point order, so the result does not depend on the machine's locale. */
function compare (a, b) {
  return a < b ? -1 : a > b ? 1 : 0
}

// ---------------------------------------------------------------------------------------------
// The favicon, as SVG and as pixels. The PNG has stored (uncompressed) deflate blocks and the
// geometry compares squared distances, so that no zlib or Math.hypot can change the bytes.

function faviconSvg () {
  const { size, background, foreground, ring } = favicon
  const hex = (rgb) => '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}">` +
    `<rect width="${size}" height="${size}" rx="${size / 5}" fill="${hex(background)}"/>` +
    `<circle cx="${ring.centre}" cy="${ring.centre}" r="${(ring.outer + ring.inner) / 2}" fill="none" ` +
    `stroke="${hex(foreground)}" stroke-width="${ring.outer - ring.inner}"/></svg>\n`
}

function faviconPng () {
  const { size, background, foreground, ring } = favicon
  const radius = size / 5
  const samples = 4
  const rows = []
  for (let y = 0; y < size; y++) {
    const row = [0] // filter: none
    for (let x = 0; x < size; x++) {
      // Coverage of the rounded square and of the ring, by supersampling, for smooth edges.
      let square = 0
      let ringHits = 0
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = x + (sx + 0.5) / samples
          const py = y + (sy + 0.5) / samples
          const cx = Math.min(Math.max(px, radius), size - radius)
          const cy = Math.min(Math.max(py, radius), size - radius)
          if ((px - cx) ** 2 + (py - cy) ** 2 <= radius ** 2) square++
          const d2 = (px - ring.centre) ** 2 + (py - ring.centre) ** 2
          if (d2 <= ring.outer ** 2 && d2 >= ring.inner ** 2) ringHits++
        }
      }
      const a = ringHits / (samples * samples)
      for (let c = 0; c < 3; c++) row.push(Math.round(background[c] * (1 - a) + foreground[c] * a))
      row.push(Math.round((255 * square) / (samples * samples)))
    }
    rows.push(...row)
  }
  const raw = Buffer.from(rows)
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibStored(raw)),
    pngChunk('IEND', Buffer.alloc(0))
  ])
}

function pngChunk (type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

function zlibStored (data) {
  const parts = [Buffer.from([0x78, 0x01])]
  for (let offset = 0; offset < data.length || offset === 0; offset += 0xffff) {
    const block = data.subarray(offset, offset + 0xffff)
    const last = offset + 0xffff >= data.length ? 1 : 0
    const head = Buffer.alloc(5)
    head[0] = last
    head.writeUInt16LE(block.length, 1)
    head.writeUInt16LE(block.length ^ 0xffff, 3)
    parts.push(head, block)
  }
  let a = 1
  let b = 0
  for (const byte of data) {
    a = (a + byte) % 65521
    b = (b + a) % 65521
  }
  const adler = Buffer.alloc(4)
  adler.writeUInt32BE(((b << 16) | a) >>> 0, 0)
  parts.push(adler)
  return Buffer.concat(parts)
}

function crc32 (data) {
  let crc = 0xffffffff
  for (const byte of data) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return (crc ^ 0xffffffff) >>> 0
}

function icoFromPng (png) {
  const head = Buffer.alloc(22)
  head.writeUInt16LE(0, 0) // reserved
  head.writeUInt16LE(1, 2) // icon
  head.writeUInt16LE(1, 4) // one image
  head[6] = favicon.size
  head[7] = favicon.size
  head.writeUInt16LE(1, 10) // colour planes
  head.writeUInt16LE(32, 12) // bits per pixel
  head.writeUInt32LE(png.length, 14)
  head.writeUInt32LE(22, 18) // offset of the image
  return Buffer.concat([head, png])
}

main()
