// Killing at the edges: what a process left running after it exited, timeouts too large
// for a deadline, and the grace between SIGTERM and SIGKILL when a timeout fires.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Sandbox, CommandTimeoutError } from 'procwright'
import { pidGone, scratch, until } from './helpers.mjs'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

/** Pids in process group `pgid` that are not zombies. */
function liveGroupMembers(pgid) {
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') found.push(Number(name))
  }
  return found
}

/** The user's case: the leader exits at once, `bg` keeps running in its group. */
async function leaderGoneMemberRunning() {
  const p = await sandbox.startProcess('(exec -a bg sleep 40) & echo done')
  assert.equal((await p.waitForExit(30_000)).status, 'completed')
  assert.ok(await until(() => liveGroupMembers(p.pid).length === 1), `${liveGroupMembers(p.pid)}`)
  return [p, liveGroupMembers(p.pid)[0]]
}

test('kill after the leader exited kills what it left running', HANG_GUARD, async () => {
  const [p, bg] = await leaderGoneMemberRunning()
  await p.kill()
  assert.ok(pidGone(bg), `bg ${bg} survived kill()`)
  assert.equal(p.status, 'completed') // how the leader ended is kept

  const [q, bg2] = await leaderGoneMemberRunning()
  await sandbox.killProcess(q.id)
  assert.ok(pidGone(bg2), `bg ${bg2} survived killProcess()`)

  const [, bg3] = await leaderGoneMemberRunning()
  const running = await sandbox.startProcess('sleep 30')
  assert.equal(await sandbox.killAllProcesses(), 2)
  assert.ok(pidGone(bg3), `bg ${bg3} survived killAllProcesses()`)
  assert.equal(running.status, 'killed')
  assert.equal(await sandbox.killAllProcesses(), 0)
})

test('a huge kill timeout is no deadline, not a panic', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('sleep 30')
  await p.kill('SIGTERM', { timeout: 1.8e22 })
  assert.equal(p.status, 'killed')
  const [q, bg] = await leaderGoneMemberRunning()
  await q.kill('SIGTERM', { timeout: 1.8e22 })
  assert.ok(pidGone(bg))
})

test('exec: a timeout escalates to SIGKILL after killTimeout', HANG_GUARD, async () => {
  const pidfile = join(scratch(), 'pid')
  const started = Date.now()
  await assert.rejects(
    sandbox.exec(`trap '' TERM; echo $$ > ${pidfile}; sleep 20`, { timeout: 500, killTimeout: 200 }),
    (e) => e instanceof CommandTimeoutError && e.code === 'COMMAND_TIMEOUT',
  )
  const took = Date.now() - started
  // 500 ms + 200 ms; the bound only has to tell that from 500 ms + 5 s.
  assert.ok(took < 3000, `took ${took} ms`)
  assert.ok(pidGone(Number(readFileSync(pidfile, 'utf8'))))
})

test('startProcess: the timeout option escalates to SIGKILL after killTimeout', HANG_GUARD, async () => {
  const started = Date.now()
  const p = await sandbox.startProcess("trap '' TERM; sleep 20", { timeout: 300, killTimeout: 200 })
  const e = await p.waitForExit()
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`)
  assert.deepEqual([e.status, e.signal], ['killed', 'SIGKILL'])
  assert.ok(pidGone(p.pid))
})

test('kill reaches a process that left the group (setsid), by its PROCWRIGHT_TAG', { timeout: 60_000 }, async () => {
  const { Sandbox } = await import('../../bindings-node/js/index.mjs')
  const { readFileSync, existsSync } = await import('node:fs')
  const sb = new Sandbox()
  const p = await sb.startProcess('setsid sleep 300 & echo escapee=$!; wait')
  const hit = await p.waitForLog(/escapee=(\d+)/, 30_000)
  const escapee = Number(hit.match[1])
  const gone = () => !existsSync(`/proc/${escapee}`) || readFileSync(`/proc/${escapee}/stat`, 'utf8').split(' ')[2] === 'Z'
  // The escapee exists before its setsid() call: wait for the call, or the kill below
  // would reach it through the group and prove nothing.
  const pgrpOf = (pid) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2])
  for (let i = 0; i < 3000 && pgrpOf(escapee) === p.pid; i++) await new Promise((r) => setTimeout(r, 10))
  assert.notEqual(pgrpOf(escapee), p.pid, 'the escapee never left the group')
  assert.equal(gone(), false)
  await p.kill()
  for (let i = 0; i < 300 && !gone(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(gone(), 'the escapee outlived the kill')
  await sb.destroy()
})

test('a kill signals the process once (a shell runs its trap once per SIGTERM)', HANG_GUARD, async () => {
  const out = join(scratch(), 'traps')
  const p = await sandbox.startProcess(`trap 'echo term >> ${out}' TERM; echo ready; while :; do sleep 0.05; done`)
  await p.waitForLog('ready', 30_000)
  // The trap does not exit: SIGKILL ends it after the timeout.
  await p.kill('SIGTERM', { timeout: 1000 })
  assert.equal(readFileSync(out, 'utf8'), 'term\n')
})
