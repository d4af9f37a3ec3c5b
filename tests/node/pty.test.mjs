// Terminals: {pty: {cols, rows}}, output as stdout, write as the keyboard, resize.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, InvalidArgumentError, ProcessError } from '../../bindings-node/js/index.mjs'

const HANG_GUARD = { timeout: 60_000 }

test('a pty process sees a terminal; Ctrl-C and resize reach it', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('test -t 0 && test -t 1 && echo on-a-tty; stty size', { pty: { cols: 100, rows: 30 } })
  await p.waitForExit(30_000)
  const out = (await p.getLogs()).stdout
  assert.match(out, /on-a-tty/)
  assert.match(out, /30 100/)
  const q = await sb.startProcess("trap 'stty size' WINCH; trap 'echo got-int; exit 7' INT; echo ready; while :; do sleep 0.05; done", { pty: {} })
  await q.waitForLog('ready', 30_000)
  q.resize(132, 50)
  await q.waitForLog('50 132', 30_000)
  await q.write('\x03')
  await q.waitForLog('got-int', 30_000)
  assert.equal((await q.waitForExit(30_000)).exitCode, 7)
  await sb.destroy()
})

test('bad terminal sizes and combinations are typed errors', HANG_GUARD, async () => {
  const sb = new Sandbox()
  for (const pty of [{ cols: 0 }, { rows: -1 }, { cols: 1.5 }, { cols: 65536 }]) {
    await assert.rejects(sb.startProcess('true', { pty }), (e) => e instanceof InvalidArgumentError && /pty (cols|rows)/.test(e.message), JSON.stringify(pty))
  }
  await assert.rejects(sb.startProcess('true', { pty: {}, stdin: 'ignore' }), (e) => e instanceof InvalidArgumentError && /terminal/.test(e.message))
  const plain = await sb.startProcess('sleep 300')
  assert.throws(() => plain.resize(80, 24), (e) => e instanceof ProcessError && /no terminal/.test(e.message))
  const t = await sb.startProcess('sleep 300', { pty: {} })
  assert.throws(() => t.resize(0, 24), (e) => e instanceof InvalidArgumentError)
  await sb.destroy()
})
