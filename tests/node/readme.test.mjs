// The README's Node quick start runs as written (`import ... from 'procwright'`
// resolving to this checkout) and prints what it says it prints.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT, scratch } from './helpers.mjs'

test('README quick start', { timeout: 90_000 }, () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('\n## Node'))
  const code = section.match(/```js\n([^]*?)```/)[1]
  const dir = scratch()
  mkdirSync(join(dir, 'node_modules'))
  symlinkSync(ROOT, join(dir, 'node_modules', 'procwright'))
  writeFileSync(join(dir, 'quickstart.mjs'), code)
  const r = spawnSync(process.execPath, [join(dir, 'quickstart.mjs')], { encoding: 'utf8', timeout: 60_000 })
  assert.equal(r.status, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`)
  const out = r.stdout
  assert.match(out, /listening on 8000/)
  assert.match(out, /GET \/ -> 200 exit 0/)
  assert.match(out, /stdout Serving HTTP/)
  assert.match(out, /stream ended by (TimeoutError|AbortError)/)
  assert.match(out, /PROCESS_READY_TIMEOUT waiting for never printed - the server keeps running: running/)
  assert.match(out, /killed 143 SIGTERM/)
})
