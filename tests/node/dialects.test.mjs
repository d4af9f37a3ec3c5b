// The regex cases of tests/dialects/cases.json: every JS row is checked against V8's own
// RegExp (the oracle, so the table cannot drift from it), then through procwright: a
// process prints the input line and waitForLog gets the RegExp.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Sandbox, ProcessExitedBeforeReadyError, InvalidArgumentError } from '../../bindings-node/js/index.mjs'
import { ROOT } from './helpers.mjs'

const CASES = JSON.parse(readFileSync(join(ROOT, 'tests', 'dialects', 'cases.json'), 'utf8'))
const JS = CASES.filter((r) => r.dialect === 'js')

test('the table is big enough', () => {
  assert.ok(CASES.length >= 150, `${CASES.length} rows`)
  assert.ok(JS.length >= 75, `${JS.length} js rows`)
})

test('V8 gives what the table says for every JS row', () => {
  const wrong = []
  for (const row of JS) {
    let got
    try {
      const m = new RegExp(row.pattern, row.flags).exec(row.input)
      got = m === null ? null : Array.from(m, (g) => (g === undefined ? null : g))
    } catch {
      got = 'INVALID_PATTERN'
    }
    if (JSON.stringify(got) !== JSON.stringify(row.expect)) wrong.push(`/${row.pattern}/${row.flags}: ${JSON.stringify(got)}`)
  }
  assert.deepEqual(wrong, [])
})

function procwrightExpects(row) {
  if (row.refused !== undefined) return 'INVALID_PATTERN'
  if (row.differs !== undefined) return row.differs.procwright
  return row.expect
}

// What a process prints as one line: no line break (which ends a line), no NUL (which no
// argv carries). The core's test reads the other rows directly.
const PRINTABLE = JS.filter((r) => r.expect !== 'INVALID_PATTERN' && !/[\n\r\0]/.test(r.input))

test('procwright reads each RegExp as V8 does', { timeout: 120_000 }, async () => {
  assert.ok(PRINTABLE.length >= 60, `${PRINTABLE.length} printable rows`)
  const sandbox = new Sandbox()
  const wrong = []
  try {
    for (const row of PRINTABLE) {
      const want = procwrightExpects(row)
      const p = await sandbox.startProcess(['printf', '%s\\n', row.input])
      let got
      try {
        const hit = await p.waitForLog(new RegExp(row.pattern, row.flags), 30_000)
        got = hit.match === null ? null : Array.from(hit.match, (g) => (g === undefined ? null : g))
      } catch (e) {
        if (e instanceof ProcessExitedBeforeReadyError) got = null
        else if (e instanceof InvalidArgumentError && e.code === 'INVALID_PATTERN') got = 'INVALID_PATTERN'
        else throw e
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        wrong.push(`/${row.pattern}/${row.flags} on ${JSON.stringify(row.input)}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`)
      }
    }
  } finally {
    await sandbox.destroy()
  }
  assert.deepEqual(wrong, [])
})
