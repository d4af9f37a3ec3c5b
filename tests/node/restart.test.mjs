// Restart supervision from Node: the policy option, `restarts`, 'restarting', the
// `restart` event, and kill ending it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, InvalidArgumentError } from '../../bindings-node/js/index.mjs'

const HANG_GUARD = { timeout: 60_000 }

test('on-failure restarts with backoff and keeps one id and one log', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('echo run; exit 3', {
    processId: 'flaky',
    restart: { policy: 'on-failure', maxRestarts: 2, backoff: { initial: 50, factor: 2 } },
  })
  const exit = await p.waitForExit(30_000)
  assert.deepEqual([exit.exitCode, exit.status, p.restarts, p.id], [3, 'failed', 2, 'flaky'])
  assert.equal((await p.getLogs()).stdout, 'run\n'.repeat(3))
  const events = []
  for await (const e of p.logs()) events.push(e)
  assert.deepEqual(events.map((e) => e.type), ['stdout', 'restart', 'stdout', 'restart', 'stdout', 'exit'])
  const gaps = events.flatMap((e, i) => (e.type === 'restart' ? [Date.parse(events[i + 1].timestamp) - Date.parse(e.timestamp)] : []))
  assert.ok(gaps[0] >= 49 && gaps[1] >= 99, String(gaps))
  await sb.destroy()
})

test("a policy name; 'restarting' between runs; kill ends it", HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('exit 1', { restart: { policy: 'always', backoff: { initial: 3000 } } })
  while (p.status !== 'restarting') await new Promise((r) => setTimeout(r, 10))
  assert.equal(p.restarts, 1)
  await p.kill()
  assert.equal((await p.waitForExit(30_000)).status, 'killed')
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(p.restarts, 1)
  const q = await sb.startProcess('echo x', { restart: 'always' })
  while (q.restarts < 2) await new Promise((r) => setTimeout(r, 10))
  await sb.destroy()
  assert.ok(['killed', 'completed'].includes((await q.waitForExit(30_000)).status))
})

test('bad restart options are InvalidArgumentError', HANG_GUARD, async () => {
  const sb = new Sandbox()
  for (const restart of ['sometimes', { policy: 'always', maxRestarts: -1 }, { policy: 'always', maxRestarts: 1.5 },
    { policy: 'always', backoff: { factor: 0.5 } }, { policy: 'always', backoff: { initial: 5000, max: 1000 } }, 42]) {
    await assert.rejects(sb.startProcess('true', { restart }), InvalidArgumentError, JSON.stringify(restart))
  }
  await assert.rejects(sb.startProcess('true', { restart: 'always', pty: {} }), /pty/)
  await sb.destroy()
})
