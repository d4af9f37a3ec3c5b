// Small hostile-input fixes: JS regex sources mean what V8 says (checked against V8's
// own RegExp), null means "none" for every option, and parseSSEStream rejects a chunk
// that is not bytes with a typed error.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, InvalidArgumentError, parseSSEStream } from 'procwright'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

// [source, flags, a line the process prints]
const CASES = [
  ['hel{,2}o', '', 'hello'],
  ['hel{,2}o', '', 'hel{,2}o'],
  ['a{,}b', '', 'a{,}b'],
  ['x{a}', '', 'x{a}'],
  ['l{2}', '', 'hello'],
  ['\\1(h)', '', 'h'],
  ['(a\\1)b', '', 'ab'],
  ['(a)\\1', '', 'aa'],
  ['\\k<n>(?<n>z)', '', 'z'],
]

test('JS regex sources match exactly as V8 matches them', HANG_GUARD, async () => {
  const lines = [...new Set(CASES.map((c) => c[2]))]
  const p = await sandbox.startProcess(['printf', lines.map(() => '%s\\n').join(''), ...lines].concat([]))
  await p.waitForExit(10_000)
  for (const [source, flags] of CASES) {
    const re = new RegExp(source, flags)
    const expected = lines.find((l) => re.test(l))
    if (expected === undefined) {
      await assert.rejects(p.waitForLog(re, 500), (e) => e.code === 'PROCESS_EXITED_BEFORE_READY', source)
      continue
    }
    const got = await p.waitForLog(re, 2000)
    assert.equal(got.line, expected, `/${source}/${flags}`)
    assert.deepEqual([...got.match], [...re.exec(expected)], `/${source}/${flags}`)
  }
})

test('null means none for every option that takes a number', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('echo up; sleep 30', { timeout: null, killTimeout: null })
  await p.waitForLog('up', null)
  await p.kill('SIGTERM', { timeout: null })
  const r = await sandbox.exec('echo hi', { timeout: null, killTimeout: null, maxBuffer: null, env: null })
  assert.equal(r.stdout, 'hi\n')
  const q = await sandbox.startProcess('exit 0', { processId: null })
  assert.equal((await q.waitForExit(null)).status, 'completed')
})

test('parseSSEStream: a chunk that is not bytes is an InvalidArgumentError', HANG_GUARD, async () => {
  for (const chunk of [42, { a: 1 }]) {
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(chunk)
        c.close()
      },
    })
    await assert.rejects(
      (async () => {
        for await (const _ of parseSSEStream(stream)) void _
      })(),
      (e) => e instanceof InvalidArgumentError && e.code === 'INVALID_ARGUMENT' && /chunk/.test(e.message),
    )
  }
})
