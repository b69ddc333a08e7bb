// Builds frontend/dist (CSS, JavaScript, images, manifest.json and govuk-frontend's component
// macros converted for minijinja) and frontend/fixtures. Deterministic: the same inputs give
// byte-identical files, because CI rebuilds and fails on any difference.
// How it works and the conversion rules: docs/frontend.md.

import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
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

  // 6. govuk-frontend's macros, converted, and 7. their fixtures.
  const components = readdirSync(join(govuk, 'components'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort(compare)
  const converted = []
  for (const file of readdirSync(join(govuk, 'macros')).filter((f) => f.endsWith('.njk')).sort(compare)) {
    converted.push(`macros/${file}`)
  }
  for (const component of components) {
    converted.push(`components/${component}/macro.njk`, `components/${component}/template.njk`)
  }
  for (const file of converted) {
    const name = `govuk/${file}`
    const source = readFileSync(join(govuk, file), 'utf8')
    const output = convertTemplate(source, name, (included) =>
      readFileSync(join(govuk, posix.relative('govuk', included)), 'utf8'))
    mkdirSync(dirname(join(dist, 'templates', name)), { recursive: true })
    writeFileSync(join(dist, 'templates', name), output)
  }

  const fixturesDir = join(here, 'fixtures')
  rmSync(fixturesDir, { recursive: true, force: true })
  mkdirSync(fixturesDir)
  let fixtureCount = 0
  for (const component of components) {
    const data = JSON.parse(readFileSync(join(govuk, 'components', component, 'fixtures.json'), 'utf8'))
    const fixtures = data.fixtures.map(({ name, options, html, hidden }) => ({ name, options, html, hidden }))
    fixtureCount += fixtures.length
    writeFileSync(join(fixturesDir, `${component}.json`),
      JSON.stringify({ component: data.component, fixtures }, null, 2) + '\n')
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  console.log(`dist: ${Object.keys(sorted).length} assets, ${converted.length} templates; ` +
    `fixtures: ${fixtureCount} examples of ${components.length} components (${seconds.toFixed(1)} s)`)
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

// ---------------------------------------------------------------------------------------------
// Nunjucks → minijinja.
//
// Each template is read the way Nunjucks reads it (with trimBlocks and lstripBlocks, as
// govuk-frontend renders its fixtures), its expressions are parsed with Nunjucks' precedence
// and written back in minijinja's syntax with JavaScript's meaning made explicit. Whitespace is
// settled here: the text between tags is exactly what Nunjucks would output, and tags get `+`
// where minijinja's own trim_blocks/lstrip_blocks would otherwise remove more. Anything the
// converter does not know fails the build rather than converting wrongly.

function convertTemplate (source, name, read) {
  const tree = parseTemplate(lexTemplate(source, name), name)
  inlineTemplates(tree, name, read)
  analyseScopes(tree, new Set(), new Set(), name)
  const emitter = new Emitter(name)
  emitter.withScope(tree, () => {
    emitter.scopeStart(tree)
    emitter.nodes(tree.body)
  })
  return emitter.finish()
}

// A component's macro.njk is a macro whose body includes template.njk. The template is put in
// the macro's place, with its imports moved before the macro: minijinja gives a macro `caller`
// only if its own body names it (so `{% call govukFieldset(...) %}` needs the body there), and
// the imports then run once per page rather than once per call.
function inlineTemplates (tree, name, read) {
  for (const node of tree.body) {
    if (node.k !== 'macro' || node.body.length !== 1 || node.body[0].k !== 'include') continue
    const included = node.body[0].template
    const template = parseTemplate(lexTemplate(read(included), included), included)
    const imports = template.body.filter((n) => n.k === 'from')
    node.body = template.body.filter((n) => n.k !== 'from')
    tree.body.splice(tree.body.indexOf(node), 0, ...imports)
  }
}

/** Splits a template into data, tags and comments, with Nunjucks' whitespace rules applied. */
function lexTemplate (src, name) {
  const raw = []
  let i = 0
  while (i < src.length) {
    if (src.startsWith('{%', i) || src.startsWith('{{', i)) {
      const block = src[i + 1] === '%'
      const close = block ? '%}' : '}}'
      const dashStart = src[i + 2] === '-'
      let j = i + (dashStart ? 3 : 2)
      const codeStart = j
      let end = -1
      let dashEnd = false
      while (j < src.length) {
        const c = src[j]
        if (c === '"' || c === "'") {
          j++
          while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1
          j++
        } else if (src.startsWith(close, j)) {
          end = j
          break
        } else if (src[j] === '-' && src.startsWith(close, j + 1)) {
          end = j
          dashEnd = true
          break
        } else {
          j++
        }
      }
      if (end < 0) throw new Error(`${name}: unclosed tag at offset ${i}`)
      raw.push({ type: block ? 'block' : 'var', code: src.slice(codeStart, end), dashStart, dashEnd, offset: i })
      i = end + (dashEnd ? 1 : 0) + 2
      // trimBlocks: the newline straight after a block tag goes.
      if (block) {
        if (src[i] === '\n') i++
        else if (src[i] === '\r' && src[i + 1] === '\n') i += 2
      }
    } else if (src.startsWith('{#', i)) {
      const end = src.indexOf('#}', i + 2)
      if (end < 0) throw new Error(`${name}: unclosed comment at offset ${i}`)
      raw.push({ type: 'comment', dashStart: src[i + 2] === '-', dashEnd: src[end - 1] === '-' })
      i = end + 2
    } else {
      let j = i
      while (j < src.length && !src.startsWith('{%', j) && !src.startsWith('{{', j) && !src.startsWith('{#', j)) j++
      let text = src.slice(i, j)
      // lstripBlocks: spaces from the start of the line to a block tag go, but only when the
      // whole line before the tag lies in this piece of text (Nunjucks compares the column).
      if (src.startsWith('{%', j)) {
        const column = j - (src.lastIndexOf('\n', j - 1) + 1)
        if (column > 0 && column <= text.length && /^\s+$/.test(text.slice(-column))) {
          text = text.slice(0, -column)
        }
      }
      if (text) raw.push({ type: 'data', text })
      i = j
    }
  }
  // The parser's part: `-` strips whitespace next to a tag or comment.
  const out = []
  let dropLeading = false
  raw.forEach((token, k) => {
    if (token.type === 'data') {
      let text = token.text
      if (dropLeading) text = text.replace(/^\s*/, '')
      const next = raw[k + 1]
      if (next && next.type !== 'data' && next.dashStart) text = text.replace(/\s*$/, '')
      dropLeading = false
      if (text) out.push({ type: 'data', text })
      return
    }
    // Nunjucks ignores the `-` of `{% set x -%}` (the block form): its parser skips that tag's
    // end without looking at it.
    const blockSet = token.type === 'block' && /^\s*set\s[^=]*$/.test(token.code)
    dropLeading = token.dashEnd && !blockSet
    if (token.type !== 'comment') out.push(token)
  })
  return out
}

// Expression tokens, as Nunjucks' lexer makes them.
const DELIMITERS = '()[]{}%*-+~/#,:|.<>=!'
const COMPOUND = ['===', '!==', '==', '!=', '<=', '>=', '//', '**']

function lexCode (code, where) {
  const tokens = []
  let i = 0
  while (i < code.length) {
    const c = code[i]
    if (/\s/.test(c)) {
      i++
    } else if (c === '"' || c === "'") {
      let value = ''
      i++
      while (i < code.length && code[i] !== c) {
        if (code[i] === '\\') {
          i++
          value += { n: '\n', t: '\t', r: '\r' }[code[i]] ?? code[i]
        } else {
          value += code[i]
        }
        i++
      }
      i++
      tokens.push({ t: 'str', v: value })
    } else if (DELIMITERS.includes(c)) {
      const op = COMPOUND.find((o) => code.startsWith(o, i)) ?? c
      tokens.push({ t: 'op', v: op })
      i += op.length
    } else {
      let j = i
      while (j < code.length && !/\s/.test(code[j]) && !DELIMITERS.includes(code[j])) j++
      let word = code.slice(i, j)
      if (/^[0-9]+$/.test(word) && code[j] === '.' && /[0-9]/.test(code[j + 1] ?? '')) {
        let k = j + 1
        while (/[0-9]/.test(code[k] ?? '')) k++
        word = code.slice(i, k)
        j = k
      }
      if (/^[0-9]+(\.[0-9]+)?$/.test(word)) tokens.push({ t: 'num', v: word })
      else if (word === 'true' || word === 'false') tokens.push({ t: 'lit', v: word === 'true' })
      else if (word === 'none' || word === 'null') tokens.push({ t: 'lit', v: null })
      else if (word) tokens.push({ t: 'name', v: word })
      else throw new Error(`${where}: cannot read ${JSON.stringify(code.slice(i))}`)
      i = j
    }
  }
  return tokens
}

/** A recursive-descent parser with Nunjucks' operator precedence. */
class Parser {
  constructor (code, where) {
    this.tokens = lexCode(code, where)
    this.i = 0
    this.where = where
  }

  fail (message) {
    throw new Error(`${this.where}: ${message} (at ${JSON.stringify(this.tokens.slice(this.i).map((t) => t.v).join(' '))})`)
  }

  peek (k = 0) { return this.tokens[this.i + k] }
  isName (v, k = 0) { const t = this.peek(k); return t && t.t === 'name' && t.v === v }
  isOp (v, k = 0) { const t = this.peek(k); return t && t.t === 'op' && t.v === v }
  skipName (v) { if (this.isName(v)) { this.i++; return true } return false }
  skipOp (v) { if (this.isOp(v)) { this.i++; return true } return false }
  expectOp (v) { if (!this.skipOp(v)) this.fail(`expected ${v}`) }
  expectName (v) { if (!this.skipName(v)) this.fail(`expected ${v}`) }
  done () { return this.i >= this.tokens.length }
  expectEnd () { if (!this.done()) this.fail('unexpected tokens') }

  identifier () {
    const t = this.peek()
    if (!t || t.t !== 'name') this.fail('expected a name')
    this.i++
    return t.v
  }

  expression () {
    const body = this.or()
    if (!this.skipName('if')) return body
    const test = this.or()
    const otherwise = this.skipName('else') ? this.or() : null
    return { k: 'cond', body, test, otherwise }
  }

  or () {
    let node = this.and()
    while (this.skipName('or')) node = { k: 'or', l: node, r: this.and() }
    return node
  }

  and () {
    let node = this.not()
    while (this.skipName('and')) node = { k: 'and', l: node, r: this.not() }
    return node
  }

  not () {
    if (this.skipName('not')) return { k: 'not', x: this.not() }
    return this.in()
  }

  in () {
    let node = this.is()
    for (;;) {
      if (this.isName('not') && this.isName('in', 1)) {
        this.i += 2
        node = { k: 'not', x: { k: 'in', l: node, r: this.is() } }
      } else if (this.skipName('in')) {
        node = { k: 'in', l: node, r: this.is() }
      } else {
        return node
      }
    }
  }

  is () {
    const node = this.compare()
    if (!this.skipName('is')) return node
    const negated = this.skipName('not')
    const test = this.primary()
    let name
    let args = []
    if (test.k === 'call' && test.fn.k === 'name') {
      name = test.fn.v
      args = test.args
    } else if (test.k === 'name') {
      name = test.v
    } else if (test.k === 'lit') {
      name = String(test.v)
    } else {
      this.fail('unknown test')
    }
    const result = { k: 'is', x: node, test: name, args }
    return negated ? { k: 'not', x: result } : result
  }

  compare () {
    let node = this.binary('concat')
    for (;;) {
      const t = this.peek()
      if (!t || t.t !== 'op' || !['==', '===', '!=', '!==', '<', '>', '<=', '>='].includes(t.v)) return node
      this.i++
      node = { k: 'compare', op: t.v, l: node, r: this.binary('concat') }
    }
  }

  binary (level) {
    const levels = ['concat', 'add', 'sub', 'mul', 'div', 'floordiv', 'mod', 'pow']
    const ops = { concat: '~', add: '+', sub: '-', mul: '*', div: '/', floordiv: '//', mod: '%', pow: '**' }
    const next = levels[levels.indexOf(level) + 1]
    const operand = () => (next ? this.binary(next) : this.unary())
    let node = operand()
    while (this.skipOp(ops[level])) node = { k: 'bin', op: ops[level], l: node, r: operand() }
    return node
  }

  unary (noFilters = false) {
    let node
    if (this.skipOp('-')) node = { k: 'neg', x: this.unary(true) }
    else if (this.skipOp('+')) node = { k: 'pos', x: this.unary(true) }
    else node = this.primary()
    return noFilters ? node : this.filters(node)
  }

  filters (node) {
    while (this.skipOp('|')) {
      let name = this.identifier()
      while (this.skipOp('.')) name += '.' + this.identifier()
      const { args, kwargs } = this.isOp('(') ? this.signature() : { args: [], kwargs: [] }
      node = { k: 'filter', x: node, name, args, kwargs }
    }
    return node
  }

  signature () {
    this.expectOp('(')
    const args = []
    const kwargs = []
    while (!this.skipOp(')')) {
      if (args.length || kwargs.length) this.expectOp(',')
      const value = this.expression()
      if (this.skipOp('=')) {
        if (value.k !== 'name') this.fail('keyword argument without a name')
        kwargs.push([value.v, this.expression()])
      } else {
        args.push(value)
      }
    }
    return { args, kwargs }
  }

  primary () {
    const t = this.peek()
    if (!t) this.fail('expected an expression')
    let node
    if (t.t === 'str' || t.t === 'num' || t.t === 'lit') {
      this.i++
      node = { k: 'lit', v: t.t === 'num' ? Number(t.v) : t.v, raw: t.t === 'num' ? t.v : undefined }
    } else if (t.t === 'name') {
      this.i++
      node = { k: 'name', v: t.v }
    } else if (this.skipOp('(')) {
      const items = []
      while (!this.skipOp(')')) {
        if (items.length) this.expectOp(',')
        items.push(this.expression())
      }
      if (items.length !== 1) this.fail('tuples are not supported')
      node = { k: 'group', x: items[0] }
    } else if (this.skipOp('[')) {
      const items = []
      while (!this.skipOp(']')) {
        if (items.length) this.expectOp(',')
        if (this.skipOp(']')) break
        items.push(this.expression())
      }
      node = { k: 'list', items }
    } else if (this.skipOp('{')) {
      const pairs = []
      while (!this.skipOp('}')) {
        if (pairs.length) this.expectOp(',')
        if (this.skipOp('}')) break
        const key = this.primary()
        let keyText
        if (key.k === 'name') keyText = key.v
        else if (key.k === 'lit' && typeof key.v === 'string') keyText = key.v
        else this.fail('unsupported dictionary key')
        this.expectOp(':')
        pairs.push([keyText, this.expression()])
      }
      node = { k: 'dict', pairs }
    } else {
      this.fail('unexpected token')
    }
    return this.postfix(node)
  }

  postfix (node) {
    for (;;) {
      if (this.isOp('(')) {
        const { args, kwargs } = this.signature()
        node = { k: 'call', fn: node, args, kwargs }
      } else if (this.skipOp('[')) {
        const key = this.expression()
        this.expectOp(']')
        node = { k: 'index', x: node, key }
      } else if (this.skipOp('.')) {
        const t = this.peek()
        if (!t || (t.t !== 'name' && t.t !== 'num')) this.fail('expected an attribute')
        this.i++
        node = { k: 'attr', x: node, name: String(t.v) }
      } else {
        return node
      }
    }
  }
}

/** Turns the token stream into a tree of statements. */
function parseTemplate (tokens, name) {
  const root = { k: 'template', body: [] }
  const stack = [{ node: root, body: root.body, ends: [] }]
  const top = () => stack[stack.length - 1]
  const open = (node, body, ends) => {
    top().body.push(node)
    stack.push({ node, body, ends })
  }
  const close = (keyword) => {
    const frame = top()
    if (!frame.ends.includes(keyword)) throw new Error(`${name}: unexpected ${keyword}`)
    stack.pop()
    return frame.node
  }

  for (const token of tokens) {
    if (token.type === 'data') {
      top().body.push({ k: 'text', text: token.text })
      continue
    }
    const where = `${name} (${token.type === 'var' ? '{{' : '{%'}${token.code}${token.type === 'var' ? '}}' : '%}'})`
    const p = new Parser(token.code, where)
    if (token.type === 'var') {
      const x = p.expression()
      p.expectEnd()
      top().body.push({ k: 'output', x })
      continue
    }
    const keyword = p.identifier()
    switch (keyword) {
      case 'if': {
        const node = { k: 'if', branches: [{ test: p.expression(), body: [] }], otherwise: null }
        open(node, node.branches[0].body, ['elif', 'elseif', 'else', 'endif'])
        break
      }
      case 'elif':
      case 'elseif': {
        const node = close(keyword)
        if (node.k !== 'if' || node.otherwise) throw new Error(`${where}: misplaced ${keyword}`)
        const branch = { test: p.expression(), body: [] }
        node.branches.push(branch)
        stack.push({ node, body: branch.body, ends: ['elif', 'elseif', 'else', 'endif'] })
        break
      }
      case 'else': {
        const node = close('else')
        node.otherwise = []
        stack.push({ node, body: node.otherwise, ends: node.k === 'if' ? ['endif'] : ['endfor'] })
        break
      }
      case 'for': {
        const targets = [p.identifier()]
        while (p.skipOp(',')) targets.push(p.identifier())
        p.expectName('in')
        const node = { k: 'for', targets, iter: p.expression(), body: [], otherwise: null }
        open(node, node.body, ['else', 'endfor'])
        break
      }
      case 'set': {
        const targets = [p.identifier()]
        while (p.skipOp(',')) targets.push(p.identifier())
        if (p.skipOp('=')) {
          top().body.push({ k: 'set', targets, x: p.expression() })
        } else {
          if (targets.length !== 1) throw new Error(`${where}: a block set has one name`)
          const node = { k: 'setblock', target: targets[0], body: [] }
          open(node, node.body, ['endset'])
        }
        break
      }
      case 'macro': {
        const macroName = p.identifier()
        const { args, kwargs } = p.signature()
        const params = args.map((a) => {
          if (a.k !== 'name') throw new Error(`${where}: macro parameters are names`)
          return [a.v, null]
        })
        const node = { k: 'macro', name: macroName, params: [...params, ...kwargs], body: [] }
        open(node, node.body, ['endmacro'])
        break
      }
      case 'call': {
        let callerParams = []
        if (p.isOp('(')) {
          const { args } = p.signature()
          callerParams = args.map((a) => a.v)
        }
        const node = { k: 'call', callerParams, x: p.expression(), body: [] }
        open(node, node.body, ['endcall'])
        break
      }
      case 'from': {
        const template = p.primary()
        p.expectName('import')
        const names = []
        do {
          const imported = p.identifier()
          names.push([imported, p.skipName('as') ? p.identifier() : imported])
        } while (p.skipOp(','))
        if (p.skipName('with') || p.skipName('without')) p.expectName('context')
        top().body.push({ k: 'from', template: resolveTemplate(template, name, where), names })
        break
      }
      case 'include': {
        const template = p.primary()
        top().body.push({ k: 'include', template: resolveTemplate(template, name, where) })
        break
      }
      case 'endif':
      case 'endfor':
      case 'endset':
      case 'endmacro':
      case 'endcall':
        close(keyword)
        break
      default:
        throw new Error(`${where}: unsupported tag ${keyword}`)
    }
    p.expectEnd()
  }
  if (stack.length !== 1) throw new Error(`${name}: unclosed ${top().node.k}`)
  return root
}

/** Relative template paths are resolved here, so the converted ones name what they load. */
function resolveTemplate (node, from, where) {
  if (node.k !== 'lit' || typeof node.v !== 'string') throw new Error(`${where}: template names must be literal`)
  return node.v.startsWith('.') ? posix.normalize(posix.join(posix.dirname(from), node.v)) : node.v
}

// Nunjucks lets a `set` inside a loop change a variable of the enclosing scope; minijinja (like
// Jinja) keeps it inside the loop. Such variables become `namespace()` objects for the whole
// scope (a template or a macro): `x` is read as `x.value` and assigned with `set x.value = ...`.
function analyseScopes (scope, inherited, params, name) {
  const outside = new Set()
  const inside = new Set()
  const locals = new Set(params)
  const nested = []
  const walk = (nodes, depth) => {
    for (const node of nodes) {
      switch (node.k) {
        case 'set':
          for (const t of node.targets) (depth ? inside : outside).add(t)
          break
        case 'setblock':
          (depth ? inside : outside).add(node.target)
          walk(node.body, depth)
          break
        case 'if':
          for (const branch of node.branches) walk(branch.body, depth)
          if (node.otherwise) walk(node.otherwise, depth)
          break
        case 'for':
          for (const t of node.targets) locals.add(t)
          walk(node.body, depth + 1)
          if (node.otherwise) walk(node.otherwise, depth)
          break
        case 'macro':
          outside.add(node.name)
          nested.push([node, new Set(node.params.map(([p]) => p))])
          break
        case 'call':
          nested.push([node, new Set([...node.callerParams])])
          break
        case 'from':
          for (const [, alias] of node.names) outside.add(alias)
          break
      }
    }
  }
  walk(scope.body, 0)
  const shared = new Set([...inside].filter((n) => outside.has(n) || params.has(n)))
  for (const n of shared) {
    if (params.has(n)) throw new Error(`${name}: parameter ${n} is changed inside a loop`)
  }
  for (const n of [...outside, ...inside]) locals.add(n)
  scope.declare = [...shared].sort(compare)
  scope.shared = new Set([...[...inherited].filter((n) => !locals.has(n)), ...shared])
  for (const [node, nodeParams] of nested) analyseScopes(node, scope.shared, nodeParams, name)
}

const NUMBER_OPS = new Set(['-', '*', '/', '//', '%', '**'])
const STRING_FILTERS = new Set(['capitalize', 'escape', 'e', 'indent', 'replace', 'safe', 'string', 'trim'])
const TESTS = {
  defined: 'defined',
  escaped: 'escaped',
  false: 'false',
  mapping: 'mapping',
  none: 'none',
  null: 'none',
  number: 'number',
  sameas: 'sameas',
  string: 'string',
  true: 'true',
  truthy: 'truthy',
  undefined: 'undefined'
}
const FILTERS = new Set(['capitalize', 'default', 'escape', 'e', 'indent', 'length', 'replace', 'safe', 'select', 'string', 'trim'])

class Emitter {
  constructor (name) {
    this.name = name
    this.out = ''
    this.afterBlock = false
    this.shared = new Set()
  }

  // Text goes out as Nunjucks would print it; a block tag right before a newline keeps it
  // with `+%}` (minijinja's trim_blocks would take it).
  text (text) {
    if (!text) return
    if (this.afterBlock && (text.startsWith('\n') || text.startsWith('\r\n'))) {
      this.out = this.out.slice(0, -2) + '+%}'
    }
    this.out += text
    this.afterBlock = false
  }

  // `{%+` where minijinja's lstrip_blocks would take spaces Nunjucks keeps.
  block (code) {
    const lineStart = this.out.lastIndexOf('\n') + 1
    const indent = this.out.slice(lineStart)
    const plus = indent.length > 0 && /^[ \t]+$/.test(indent) ? '+' : ''
    this.out += `{%${plus} ${code} %}`
    this.afterBlock = true
  }

  output (code) {
    this.out += `{{ ${code} }}`
    this.afterBlock = false
  }

  finish () {
    // minijinja drops one newline at the end of a template; Nunjucks keeps it.
    return this.out.endsWith('\n') ? this.out + '\n' : this.out
  }

  scopeStart (scope) {
    for (const n of scope.declare) this.block(`set ${n} = namespace()`)
  }

  withScope (scope, fn) {
    const saved = this.shared
    this.shared = scope.shared
    fn()
    this.shared = saved
  }

  nodes (nodes) {
    for (const node of nodes) this.node(node)
  }

  node (node) {
    switch (node.k) {
      case 'text':
        this.text(node.text)
        break
      case 'output':
        this.output(this.value(node.x))
        break
      case 'if':
        node.branches.forEach((branch, i) => {
          this.block(`${i ? 'elif' : 'if'} ${this.condition(branch.test)}`)
          this.nodes(branch.body)
        })
        if (node.otherwise) {
          this.block('else')
          this.nodes(node.otherwise)
        }
        this.block('endif')
        break
      case 'for': {
        // `for k, v in object` walks an object's entries in Nunjucks.
        const iter = node.targets.length === 2 ? `${this.atom(node.iter)}|items` : this.value(node.iter)
        if (node.targets.length > 2) throw new Error(`${this.name}: for with ${node.targets.length} names`)
        this.block(`for ${node.targets.join(', ')} in ${iter}`)
        this.nodes(node.body)
        if (node.otherwise) {
          this.block('else')
          this.nodes(node.otherwise)
        }
        this.block('endfor')
        break
      }
      case 'set':
        for (const t of node.targets) {
          this.block(`set ${this.shared.has(t) ? `${t}.value` : t} = ${this.value(node.x)}`)
        }
        break
      case 'setblock': {
        const shared = this.shared.has(node.target)
        const target = shared ? `${node.target}_captured` : node.target
        this.block(`set ${target}`)
        this.nodes(node.body)
        this.block('endset')
        if (shared) this.block(`set ${node.target}.value = ${target}`)
        break
      }
      case 'macro': {
        const params = node.params.map(([p, d]) => (d ? `${p}=${this.value(d)}` : p))
        this.block(`macro ${node.name}(${params.join(', ')})`)
        this.withScope(node, () => {
          this.scopeStart(node)
          this.nodes(node.body)
        })
        this.block('endmacro')
        break
      }
      case 'call': {
        const callerParams = node.callerParams.length ? `(${node.callerParams.join(', ')})` : ''
        this.block(`call${callerParams} ${this.value(node.x)}`)
        this.withScope(node, () => {
          this.scopeStart(node)
          this.nodes(node.body)
        })
        this.block('endcall')
        break
      }
      case 'from': {
        const names = node.names.map(([n, alias]) => (n === alias ? n : `${n} as ${alias}`))
        this.block(`from ${JSON.stringify(node.template)} import ${names.join(', ')}`)
        break
      }
      case 'include':
        this.block(`include ${JSON.stringify(node.template)}`)
        break
      default:
        throw new Error(`${this.name}: cannot emit ${node.k}`)
    }
  }

  /** An expression tested with JavaScript's truthiness ([] and {} are true, unlike Jinja). */
  condition (node) {
    switch (node.k) {
      case 'group':
        return this.condition(node.x)
      case 'or':
      case 'and':
        return `(${this.condition(node.l)} ${node.k} ${this.condition(node.r)})`
      case 'not':
        return `(not ${this.condition(node.x)})`
      case 'lit':
        if (typeof node.v === 'boolean') return String(node.v)
        break
    }
    const value = this.atom(node)
    return this.kind(node) === 'boolean' ? value : `(${value} is truthy)`
  }

  /** What an expression is known to give: 'number', 'string', 'boolean' or 'unknown'. */
  kind (node) {
    switch (node.k) {
      case 'lit':
        if (typeof node.v === 'boolean') return 'boolean'
        return typeof node.v === 'number' ? 'number' : typeof node.v === 'string' ? 'string' : 'unknown'
      case 'group':
        return this.kind(node.x)
      case 'neg':
      case 'pos':
        return 'number'
      case 'bin':
        if (node.op === '~') return 'string'
        if (NUMBER_OPS.has(node.op)) return 'number'
        return this.plusIsNumeric(node) ? 'number' : 'string'
      case 'attr':
        return node.name === 'length' ? 'number' : 'unknown'
      case 'filter':
        if (node.name === 'length') return 'number'
        return STRING_FILTERS.has(node.name) ? 'string' : 'unknown'
      case 'not':
      case 'compare':
      case 'in':
      case 'is':
        return 'boolean'
      case 'and':
      case 'or':
        return this.kind(node.l) === 'boolean' && this.kind(node.r) === 'boolean' ? 'boolean' : 'unknown'
      default:
        return 'unknown'
    }
  }

  plusIsNumeric (node) {
    const l = this.kind(node.l)
    const r = this.kind(node.r)
    return (l === 'number' || r === 'number') && l !== 'string' && r !== 'string'
  }

  // JavaScript's `+` adds numbers and joins anything else, and Nunjucks' `~` joins.
  isJoin (node) {
    return node.k === 'bin' && (node.op === '~' || (node.op === '+' && !this.plusIsNumeric(node)))
  }

  joinParts (node) {
    return this.isJoin(node) ? [...this.joinParts(node.l), ...this.joinParts(node.r)] : [node]
  }

  /** Wraps an emitted expression in brackets unless it is one term already. */
  atomFrom (node, code) {
    const atomic = ['lit', 'name', 'attr', 'index', 'call', 'list', 'dict', 'group', 'filter']
    return atomic.includes(node.k) ? code : `(${code})`
  }

  atom (node) {
    return this.atomFrom(node, this.value(node))
  }

  pure (node) {
    switch (node.k) {
      case 'lit':
      case 'name':
        return true
      case 'attr':
        return this.pure(node.x)
      case 'index':
        return this.pure(node.x) && this.pure(node.key)
      case 'group':
        return this.pure(node.x)
      default:
        return false
    }
  }

  value (node) {
    switch (node.k) {
      case 'lit':
        if (node.v === null) return 'none'
        if (typeof node.v === 'string') return JSON.stringify(node.v)
        return node.raw ?? String(node.v)
      case 'name':
        if (node.v === 'undefined') return 'undefined'
        return this.shared.has(node.v) ? `${node.v}.value` : node.v
      case 'group':
        return `(${this.value(node.x)})`
      case 'list':
        return `[${node.items.map((x) => this.value(x)).join(', ')}]`
      case 'dict':
        return `{${node.pairs.map(([key, x]) => `${JSON.stringify(key)}: ${this.value(x)}`).join(', ')}}`
      case 'attr':
        // `.length` of a string or array; `.val` unwraps Nunjucks' SafeString, and minijinja's
        // safe strings are plain strings already.
        if (node.name === 'length') return `(${this.atom(node.x)}|length)`
        if (node.name === 'val') return this.value(node.x)
        return `${this.atom(node.x)}.${node.name}`
      case 'index':
        return `${this.atom(node.x)}[${this.value(node.key)}]`
      case 'call': {
        if (node.fn.k === 'attr') {
          if (node.fn.name === 'includes' && node.args.length === 1 && !node.kwargs.length) {
            return this.value({ k: 'in', l: node.args[0], r: node.fn.x })
          }
          throw new Error(`${this.name}: unsupported method ${node.fn.name}`)
        }
        const args = [
          ...node.args.map((x) => this.value(x)),
          ...node.kwargs.map(([n, x]) => `${n}=${this.value(x)}`)
        ]
        return `${this.atom(node.fn)}(${args.join(', ')})`
      }
      case 'filter': {
        if (!FILTERS.has(node.name)) throw new Error(`${this.name}: unsupported filter ${node.name}`)
        let args = node.args.map((x) => this.value(x))
        if (node.kwargs.length) throw new Error(`${this.name}: keyword arguments to ${node.name}`)
        // Nunjucks' indent also indents blank lines and keeps a final newline (indented).
        const filter = node.name === 'indent' ? 'njk_indent' : node.name
        const call = args.length ? `(${args.join(', ')})` : ''
        return `${this.atom(node.x)}|${filter}${call}`
      }
      case 'is': {
        const test = TESTS[node.test]
        if (!test) throw new Error(`${this.name}: unsupported test ${node.test}`)
        const args = node.args.length ? `(${node.args.map((x) => this.value(x)).join(', ')})` : ''
        return `${this.atom(node.x)} is ${test}${args}`
      }
      case 'not':
        return `not ${this.condition(node.x)}`
      case 'neg':
        return `-${this.atom(node.x)}`
      case 'pos':
        return `+${this.atom(node.x)}`
      case 'in':
        return this.membership(node)
      case 'compare':
        return this.comparison(node)
      case 'bin': {
        if (this.isJoin(node)) {
          // minijinja's `~` escapes one side when the other is safe; Nunjucks joins as is.
          const [first, ...rest] = this.joinParts(node)
          return `${this.atom(first)}|njk_concat(${rest.map((x) => this.value(x)).join(', ')})`
        }
        return `${this.atom(node.l)} ${node.op} ${this.atom(node.r)}`
      }
      case 'and':
      case 'or': {
        if (this.kind(node) === 'boolean') {
          return `${this.condition(node.l)} ${node.k} ${this.condition(node.r)}`
        }
        // JavaScript's `a || b` and `a && b`: the deciding operand itself, by JS truthiness.
        const l = this.atom(node.l)
        const r = this.atom(node.r)
        const test = `${l} is truthy`
        return node.k === 'or' ? `${l} if ${test} else ${r}` : `${r} if ${test} else ${l}`
      }
      case 'cond': {
        // Nunjucks' `a if b` without else gives "", not undefined.
        const otherwise = node.otherwise ? this.atom(node.otherwise) : '""'
        return `${this.atom(node.body)} if ${this.condition(node.test)} else ${otherwise}`
      }
      default:
        throw new Error(`${this.name}: cannot emit expression ${node.k}`)
    }
  }

  // `x in [undefined, null, false]` compares strictly in JavaScript; minijinja's `in` would
  // count 0 as false, so lists of such literals become tests.
  membership (node) {
    const items = node.r.k === 'list' ? node.r.items : null
    const special = (x) => (x.k === 'lit' && (x.v === null || typeof x.v === 'boolean')) || (x.k === 'name' && x.v === 'undefined')
    if (items && items.length && items.every(special) && this.pure(node.l)) {
      const subject = this.atom(node.l)
      const tests = items.map((x) => `${subject} is ${x.k === 'name' ? 'undefined' : x.v === null ? 'none' : x.v}`)
      return tests.length === 1 ? tests[0] : `(${tests.join(' or ')})`
    }
    return `${this.atom(node.l)} in ${this.atom(node.r)}`
  }

  // JavaScript's `===` against undefined, null, true or false is a test in minijinja.
  comparison (node) {
    const strict = node.op === '===' || node.op === '!=='
    const negate = node.op === '!==' || node.op === '!='
    const special = (x) => {
      if (x.k === 'name' && x.v === 'undefined') return 'undefined'
      if (x.k === 'lit' && x.v === null) return 'none'
      if (strict && x.k === 'lit' && typeof x.v === 'boolean') return String(x.v)
      return null
    }
    const rs = special(node.r)
    const ls = special(node.l)
    if (rs || ls) {
      const subject = this.atom(rs ? node.l : node.r)
      const test = rs ?? ls
      // Loose `== null` is true for undefined as well.
      if (!strict && (test === 'none' || test === 'undefined')) {
        const either = `(${subject} is none or ${subject} is undefined)`
        return negate ? `not ${either}` : either
      }
      return `${subject} is ${negate ? 'not ' : ''}${test}`
    }
    const op = { '===': '==', '!==': '!=' }[node.op] ?? node.op
    return `${this.atom(node.l)} ${op} ${this.atom(node.r)}`
  }
}

main()
