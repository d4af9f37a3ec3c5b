// Waits under hostile output: a pathological RegExp stalls nobody, progress bars drawn
// with bare carriage returns match as a terminal shows them, and a line too long for a
// backtracking pattern is skipped with a reason instead of a misleading error.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ProcessReadyTimeoutError } from 'procwright'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

const long = (n) =>
  `python3 -c "import sys; sys.stdout.write('a'*${n} + '\\n'); sys.stdout.flush()"; sleep 30`

test('a slow RegExp times out on time while an unrelated exec and kill settle', HANG_GUARD, async () => {
  const a = await sandbox.startProcess(long(200_000))
  const b = await sandbox.startProcess(long(200_000))
  await a.waitForLog('aaaa', 30_000)
  await b.waitForLog('aaaa', 30_000)
  const began = Date.now()
  // Settled as they come (they reject while the exec runs), checked below.
  const slow = [a, b].map((p) => p.waitForLog(/(?!x).*b/, 1000).then(() => null, (e) => e))
  const other = await sandbox.exec('echo hi')
  assert.equal(other.stdout, 'hi\n')
  const victim = await sandbox.startProcess('sleep 30')
  await victim.kill()
  for (const w of slow) assert.ok((await w) instanceof ProcessReadyTimeoutError)
  // The old code settled after 28.7 s.
  assert.ok(Date.now() - began < 8000, `${Date.now() - began} ms`)
})

test('a progress bar matches its last frame', HANG_GUARD, async () => {
  const p = await sandbox.startProcess(String.raw`printf 'progress 0%%\rprogress 10%%\rprogress 100%%\rDone\r'`)
  await p.waitForExit(10_000)
  assert.equal((await p.waitForLog(/^Done$/, 5000)).line, 'Done')
  assert.equal((await p.waitForLog(/progress (\d+)%/, 5000)).match[1], '100')
})

test('a line too long for a lookbehind is skipped with a reason', HANG_GUARD, async () => {
  const p = await sandbox.startProcess(long(1_100_000).replace('; sleep 30', '; echo end; sleep 30'))
  await p.waitForLog('end', 30_000) // the whole line is kept
  await assert.rejects(p.waitForLog(/(?<!z)a*b/, 3000), (e) => {
    assert.ok(e instanceof ProcessReadyTimeoutError)
    assert.match(e.message, /too long/)
    assert.match(e.message, /1100000 bytes/)
    return true
  })
})
