// stdin: startProcess(cmd, {stdin: 'pipe'}), write, closeStdin, exec's input, and the
// ways a write fails or is released.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, ProcessError, InvalidArgumentError } from '../../bindings-node/js/index.mjs'

const HANG_GUARD = { timeout: 60_000 }

test('written strings and bytes arrive; closeStdin ends the input', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('cat', { stdin: 'pipe' })
  await p.write('hello ')
  await p.write(new TextEncoder().encode('wörld\n'))
  await p.closeStdin()
  const exit = await p.waitForExit(30_000)
  assert.equal(exit.exitCode, 0)
  assert.equal((await p.getLogs()).stdout, 'hello wörld\n')
  await sb.destroy()
})

test('8 MiB through wc -c arrive whole', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('wc -c', { stdin: 'pipe' })
  await p.write(new Uint8Array(8 * 1024 * 1024).fill(120))
  await p.closeStdin()
  await p.waitForExit(30_000)
  assert.equal((await p.getLogs()).stdout.trim(), '8388608')
  await sb.destroy()
})

test('each failed write says why, with ProcessError', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const plain = await sb.startProcess('sleep 300')
  await assert.rejects(plain.write('x'), (e) => e instanceof ProcessError && /no stdin pipe/.test(e.message))
  const closed = await sb.startProcess('sleep 300', { stdin: 'pipe' })
  await closed.closeStdin()
  await assert.rejects(closed.write('x'), /is closed/)
  const done = await sb.startProcess('true', { stdin: 'pipe' })
  await done.waitForExit(30_000)
  await assert.rejects(done.write('x'), (e) => e.code === 'PROCESS_ERROR' && /has ended/.test(e.message))
  const shut = await sb.startProcess('exec 0<&-; echo shut; sleep 300', { stdin: 'pipe' })
  await shut.waitForLog('shut', 30_000)
  await assert.rejects(shut.write(new Uint8Array(4 << 20)), /EPIPE/)
  await assert.rejects(plain.write(42), (e) => e instanceof InvalidArgumentError)
  await assert.rejects(sb.startProcess('true', { stdin: 'tty' }), (e) => e.code === 'INVALID_ARGUMENT' && /stdin/.test(e.message))
  await sb.destroy()
})

test('a write blocked on a full pipe is released by an AbortSignal and by kill', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('sleep 300', { stdin: 'pipe' })
  const big = new Uint8Array(64 << 20)
  const ac = new AbortController()
  const pending = p.write(big, { signal: ac.signal })
  setTimeout(() => ac.abort(new Error('enough')), 100)
  await assert.rejects(pending, /enough/)
  assert.equal(p.status, 'running')
  const again = p.write(big)
  // Handled from now on: it rejects while kill() is still waiting for the group to
  // die, and a rejection with no handler yet fails the test as unhandled.
  const againRejects = assert.rejects(again, (e) => e.code === 'PROCESS_ERROR')
  await new Promise((r) => setTimeout(r, 100))
  await p.kill()
  await againRejects
  await sb.destroy()
})

test('exec input is written, then stdin closed', HANG_GUARD, async () => {
  const sb = new Sandbox()
  assert.equal((await sb.exec('wc -c', { input: 'abc' })).stdout.trim(), '3')
  assert.equal((await sb.exec('wc -c', { input: new Uint8Array([1, 2, 3, 4]) })).stdout.trim(), '4')
  assert.equal((await sb.exec('true', { input: 'x'.repeat(4 << 20) })).success, true)
  assert.equal((await sb.exec('cat')).stdout, '')
  await sb.destroy()
})

test('writes that are not awaited one by one arrive in call order', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const want = Array.from({ length: 1000 }, (_, i) => `[${String(i).padStart(3, '0')}]`).join('')
  for (let run = 0; run < 20; run++) {
    const p = await sb.startProcess('cat', { stdin: 'pipe' })
    const writes = []
    for (let i = 0; i < 1000; i++) writes.push(p.write(`[${String(i).padStart(3, '0')}]`))
    const closed = p.closeStdin()
    await Promise.all([...writes, closed])
    await p.waitForExit(30_000)
    assert.equal((await p.getLogs()).stdout, want, `run ${run}`)
  }
  await sb.destroy()
})
