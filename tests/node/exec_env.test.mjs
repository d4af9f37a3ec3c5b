// exec returns the whole output up to maxBuffer and says when it cut; env values of
// undefined and null both remove a variable at every level, and a Map works as an object.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, InvalidArgumentError } from 'procwright'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

test('exec: more than the log limit comes back whole', HANG_GUARD, async () => {
  const r = await sandbox.exec('head -c 20000000 /dev/zero')
  assert.equal(r.stdout.length, 20_000_000)
  assert.equal(r.truncated, false)
  assert.deepEqual([r.stdoutDropped, r.stderrDropped], [0, 0])
})

test('exec: maxBuffer cuts and says so', HANG_GUARD, async () => {
  const r = await sandbox.exec("head -c 5000 /dev/zero | tr '\\0' x", { maxBuffer: 1000 })
  assert.equal(r.success, true)
  assert.equal(r.truncated, true)
  assert.ok(r.stdout.length > 0 && r.stdout.length <= 1000, `${r.stdout.length}`)
  assert.equal(r.stdout.length + r.stdoutDropped, 5000)
  await assert.rejects(sandbox.exec('true', { maxBuffer: 0 }), (e) => {
    assert.ok(e instanceof InvalidArgumentError)
    assert.match(e.message, /max_buffer|maxBuffer/)
    return true
  })
})

// HOME is set in the host; each level must be able to remove it.
const show = 'echo "[${HOME-unset}]"'

test('env: undefined and null remove a variable at every level', HANG_GUARD, async () => {
  assert.ok(process.env.HOME)
  for (const gone of [undefined, null]) {
    const at = { HOME: gone }
    assert.equal((await sandbox.exec(show, { env: at })).stdout, '[unset]\n', `exec ${gone}`)
    const p = await sandbox.startProcess(show, { env: at })
    await p.waitForExit(10_000)
    assert.equal((await p.getLogs()).stdout, '[unset]\n', `startProcess ${gone}`)
    const sb = new Sandbox({ env: at })
    assert.equal((await sb.exec(show)).stdout, '[unset]\n', `Sandbox ${gone}`)
    const session = await sb.createSession({ env: { HOME: '/session' } })
    assert.equal((await session.exec(show)).stdout, '[/session]\n')
    const s2 = await sandbox.createSession({ env: at })
    assert.equal((await s2.exec(show)).stdout, '[unset]\n', `session ${gone}`)
    await sb.destroy()
  }
})

test('env: a Map is read like an object; other shapes are rejected', HANG_GUARD, async () => {
  const r = await sandbox.exec('echo "$PW_A [${HOME-unset}]"', { env: new Map([['PW_A', 'from-map'], ['HOME', undefined]]) })
  assert.equal(r.stdout, 'from-map [unset]\n')
  await assert.rejects(sandbox.exec('true', { env: new Map([[1, 'x']]) }), InvalidArgumentError)
  await assert.rejects(sandbox.exec('true', { env: { A: 1 } }), InvalidArgumentError)
  await assert.rejects(sandbox.exec('true', { env: ['A=1'] }), InvalidArgumentError)
})
