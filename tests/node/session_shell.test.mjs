// Sessions are persistent shells: state persists, exit codes come back, call order.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from '../../bindings-node/js/index.mjs'

test('a session keeps its shell state; exit gives a fresh shell; calls keep their order', { timeout: 60_000 }, async () => {
  const sb = new Sandbox()
  const s = await sb.createSession()
  await s.exec('cd /tmp; export PW_A=1; f() { echo in-f; }')
  const r = await s.exec("pwd; echo $PW_A; f; printf 'tail'")
  assert.equal(r.stdout, '/tmp\n1\nin-f\ntail')
  assert.equal(r.shellRestarted, false)
  assert.equal((await sb.exec('echo "[$PW_A]"')).stdout, '[]\n')
  const bye = await s.exec('echo out; echo err >&2; exit 4')
  assert.deepEqual([bye.stdout, bye.stderr, bye.exitCode], ['out\n', 'err\n', 4])
  const fresh = await s.exec('echo "[$PW_A]"')
  assert.equal(fresh.stdout, '[]\n')
  assert.equal(fresh.shellRestarted, true)
  const calls = Array.from({ length: 10 }, (_, k) => s.exec(`echo ${k}`))
  const outs = (await Promise.all(calls.reverse())).reverse().map((x) => x.stdout)
  assert.deepEqual(outs, Array.from({ length: 10 }, (_, k) => `${k}\n`))
  await s.exec('cd /tmp && export PW_SNAP=7')
  const p = await s.startProcess('pwd; echo $PW_SNAP')
  await p.waitForExit(30_000)
  assert.equal((await p.getLogs()).stdout, '/tmp\n7\n')
  await sb.destroy()
})
