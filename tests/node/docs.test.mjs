// Every ```js / ```mjs block of README.md and docs/ runs as written: each is written to
// a scratch folder whose node_modules/procwright links to this checkout, so
// `import ... from 'procwright'` resolves, and run as an ES module (exit 0 expected).
// Also checks docs/reference/node.md against a fresh `scripts/gen_docs.py` generation
// (the Python tests do it only where bindings-node/lib is built).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs'
import { join, relative } from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, scratch } from './helpers.mjs'

// Blocks run by an older test of their own: page, index among the page's js blocks.
const RUN_ELSEWHERE = new Map([['README.md#0', 'tests/node/readme.test.mjs runs the quick start and checks its output']])

function pages(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return pages(path)
    return name.endsWith('.md') ? [path] : []
  })
}

const blocks = []
for (const path of [join(ROOT, 'README.md'), ...pages(join(ROOT, 'docs')).sort()]) {
  const page = relative(ROOT, path)
  const text = readFileSync(path, 'utf8')
  let index = 0
  for (const m of text.matchAll(/^```(js|mjs)\n([^]*?)^```$/gm)) {
    const line = text.slice(0, m.index).split('\n').length
    blocks.push({ page, line, code: m[2], key: `${page}#${index++}` })
  }
}

const dir = scratch('procwright-docs-')
mkdirSync(join(dir, 'node_modules'))
symlinkSync(ROOT, join(dir, 'node_modules', 'procwright'))

test('the docs have js blocks', () => assert.ok(blocks.length >= 5, `${blocks.length} blocks`))

for (const block of blocks) {
  const skip = RUN_ELSEWHERE.get(block.key) ?? false
  test(`${block.page}:${block.line}`, { timeout: 90_000, skip }, () => {
    const file = join(dir, `block-${block.page.replace(/\W/g, '_')}-${block.line}.mjs`)
    writeFileSync(file, block.code)
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 80_000 })
    assert.equal(r.status, 0, `${block.page}:${block.line}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  })
}

test('docs/reference/node.md matches the emitted declarations', () => {
  const r = spawnSync('python3', [join(ROOT, 'scripts', 'gen_docs.py'), '--check', 'node'], { encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
})
