// Lifetime, seen from child `node` scripts: a running process does not keep the event
// loop alive (a pending wait or stream does), and whatever a script started is killed
// when Node exits, so a script that forgets cleanup neither hangs nor leaves a server.
// In this process: destroy racing starts in flight leaves nothing behind.
// A signal that ends Node without its exit hook leaves the killing to the watchdog.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Sandbox, ProcessError } from 'procwright'
import { ENTRY_MJS, scratch, pidGone, until } from './helpers.mjs'

const HANG_GUARD = { timeout: 90_000 }

/** Runs a script with `node`; resolves with its exit code and output, or fails if it hangs. */
function runNode(source, { hangAfter = 30_000, ext = 'mjs', args = [] } = {}) {
  const dir = scratch()
  const file = join(dir, `script.${ext}`)
  writeFileSync(file, source.replaceAll('PROCWRIGHT', JSON.stringify(ENTRY_MJS)))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, file], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`node script hung (killed after ${hangAfter} ms)\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, hangAfter)
    // 'close', not 'exit': 'exit' can come before the last of the child's output is read.
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

function pids(stdout) {
  return [...stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))
}

test('a script that forgets cleanup exits, and its sleep 300 is gone', HANG_GUARD, async () => {
  const r = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const sandbox = new Sandbox()
    const p = await sandbox.startProcess('sleep 300')
    console.log('pid=' + p.pid)
    // no kill, no destroy: the script just ends
  `)
  assert.equal(r.code, 0, r.stderr)
  const [pid] = pids(r.stdout)
  assert.ok(pid > 0)
  assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }), `sleep ${pid} outlived node`)
})

test('a server started through getSandbox, with callbacks and a grandchild, is gone after exit', HANG_GUARD, async () => {
  const r = await runNode(`
    import { getSandbox } from PROCWRIGHT
    const sandbox = getSandbox('lifetime')
    const p = await sandbox.startProcess('python3 -m http.server 0 & echo child=$!; sleep 300', {
      onOutput: () => {}, onExit: () => {},
    })
    const { match } = await p.waitForLog(/child=(\\d+)/)
    console.log('pid=' + p.pid + ' pid=' + match[1])
  `)
  assert.equal(r.code, 0, r.stderr)
  const all = pids(r.stdout)
  assert.equal(all.length, 2)
  for (const pid of all) assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }), `${pid} outlived node`)
})

test('process.exit() and an uncaught exception clean up too', HANG_GUARD, async () => {
  const exit = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const p = await new Sandbox().startProcess('sleep 300')
    console.log('pid=' + p.pid)
    process.exit(3)
  `)
  assert.equal(exit.code, 3)
  const crash = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const p = await new Sandbox().startProcess('sleep 300')
    console.log('pid=' + p.pid)
    setTimeout(() => { throw new Error('boom') }, 10)
  `)
  assert.equal(crash.code, 1)
  assert.match(crash.stderr, /boom/)
  for (const pid of [...pids(exit.stdout), ...pids(crash.stdout)]) {
    assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }), `${pid} outlived node`)
  }
})

test('a process that ignores SIGTERM is SIGKILLed after the grace period', HANG_GUARD, async () => {
  const r = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const p = await new Sandbox().startProcess('trap "" TERM; echo armed; while true; do sleep 0.05; done')
    await p.waitForLog('armed')
    console.log('pid=' + p.pid)
  `)
  assert.equal(r.code, 0, r.stderr)
  const [pid] = pids(r.stdout)
  assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }))
})

test('a pending wait keeps the loop alive; a running process alone does not', HANG_GUARD, async () => {
  const waits = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const sandbox = new Sandbox()
    const p = await sandbox.startProcess('sleep 0.5; echo finally')
    const r = await p.waitForLog('finally')
    const e = await p.waitForExit()
    console.log('waited', r.line, e.exitCode)
  `)
  assert.equal(waits.code, 0, waits.stderr)
  assert.match(waits.stdout, /waited finally 0/)

  const streams = await runNode(`
    import { Sandbox, parseSSEStream } from PROCWRIGHT
    const sandbox = new Sandbox()
    const p = await sandbox.startProcess('sleep 0.3; echo streamed')
    const types = []
    for await (const e of parseSSEStream(await sandbox.streamProcessLogs(p.id))) types.push(e.type)
    for await (const e of p.logs()) types.push(e.type)
    console.log(types.join(','))
  `)
  assert.equal(streams.code, 0, streams.stderr)
  assert.match(streams.stdout, /stdout,exit,stdout,exit/)

  // A process, its callbacks and an unread iterator hold no ref: the script ends at once
  // (long before the sleep would), and the exit hook kills the process.
  const started = Date.now()
  const idle = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const sandbox = new Sandbox()
    const p = await sandbox.startProcess('sleep 300', { onOutput: () => {}, onExit: () => {} })
    const it = p.logs()
    console.log('pid=' + p.pid)
  `)
  assert.equal(idle.code, 0, idle.stderr)
  assert.ok(Date.now() - started < 60_000)
  const [pid] = pids(idle.stdout)
  assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }))
})

test('CommonJS scripts get the same cleanup', HANG_GUARD, async () => {
  const r = await runNode(
    `
    const { Sandbox } = require(PROCWRIGHT.replace(/index\\.mjs$/, 'index.cjs'))
    new Sandbox().startProcess(['sleep', '300']).then((p) => console.log('pid=' + p.pid))
  `,
    { ext: 'cjs' },
  )
  assert.equal(r.code, 0, r.stderr)
  const [pid] = pids(r.stdout)
  assert.ok(pid > 0)
  assert.ok(await until(() => pidGone(pid), { timeout: 10_000 }))
})

test('a process handle keeps its sandbox alive; collecting every handle kills it', HANG_GUARD, async () => {
  const r = await runNode(`
    import { Sandbox } from PROCWRIGHT
    const alive = (pid) => { try { process.kill(pid, 0); return true } catch { return false } }
    const settle = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)) } }
    // The sandbox itself is unreachable at once; the process handle is kept.
    let kept = await new Sandbox().startProcess('sleep 300')
    await settle()
    console.log('held=' + alive(kept.pid))
    const pid = kept.pid
    kept = null
    // Dropping the last handle kills it, on the core's reaper, not on the GC's thread.
    const t = Date.now()
    let gone = false
    while (!gone && Date.now() - t < 20000) { await settle(); gone = !alive(pid) }
    console.log('pid=' + pid + ' dropped=' + (gone ? 'killed' : 'alive'))
  `, { args: ['--expose-gc'] })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /held=true/)
  assert.match(r.stdout, /dropped=killed/)
})

/** Pids of live processes whose environment has key=value. */
function liveWithEnv(key, value) {
  const wanted = `${key}=${value}`
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let env
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0')
    } catch {
      continue
    }
    if (env.includes(wanted) && !pidGone(Number(name))) found.push(Number(name))
  }
  return found
}

test('destroy racing starts in flight leaves no survivors', { timeout: 180_000 }, async () => {
  const TRIALS = 200
  const STARTS = 20
  const sandbox = new Sandbox()
  const mark = `race-${process.pid}`
  let refused = 0
  for (let trial = 0; trial < TRIALS; trial++) {
    // Settled as they come: the refused ones reject while destroy runs.
    const starts = Promise.allSettled(
      Array.from({ length: STARTS }, () => sandbox.startProcess(['sleep', '30'], { env: { PW_RACE: mark } })),
    )
    // The user's case: destroy while the starts are under way (every other trial
    // after one turn of the event loop).
    if (trial % 2 === 0) await null
    await sandbox.destroy()
    for (const r of await starts) {
      if (r.status === 'fulfilled') {
        assert.equal(r.value.status, 'killed', `trial ${trial}`)
        assert.ok(pidGone(r.value.pid), `trial ${trial}: ${r.value.pid}`)
      } else {
        refused++
        assert.ok(r.reason instanceof ProcessError, `${r.reason}`)
        assert.equal(r.reason.code, 'PROCESS_ERROR')
        assert.match(r.reason.message, /destroyed/)
      }
    }
    assert.deepEqual(liveWithEnv('PW_RACE', mark), [], `trial ${trial}`)
    assert.deepEqual(await sandbox.listProcesses(), [])
  }
  assert.ok(refused > 0)
  // A start called after destroy returned works as in a fresh sandbox.
  const p = await sandbox.startProcess('exit 0')
  assert.equal((await p.waitForExit()).status, 'completed')
  await sandbox.destroy()
})

/** Every process of group `pgid` that can still run. */
function groupMembers(pgid) {
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let fields
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    } catch {
      continue
    }
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') found.push(Number(name))
  }
  return found
}

function sleepsIn(pgid) {
  return groupMembers(pgid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8') === 'sleep\n'
    } catch {
      return false
    }
  }).length
}

/**
 * Starts a host script that starts a plain process, a tree and one that ignores SIGTERM,
 * prints `groups=a,b,c` and keeps running; `tail` is appended to it. Resolves once the
 * tree's two sleeps run, with the child, its groups, their processes and its exit.
 */
async function startHost(tail = '') {
  const dir = scratch()
  const file = join(dir, 'host.mjs')
  writeFileSync(
    file,
    `
    import { Sandbox } from ${JSON.stringify(ENTRY_MJS)}
    const sandbox = new Sandbox()
    const plain = await sandbox.startProcess(['sleep', '300'])
    const tree = await sandbox.startProcess(['sh', '-c', 'sleep 300 & sleep 300'])
    const stubborn = await sandbox.startProcess("trap '' TERM; echo armed; sleep 300")
    await stubborn.waitForLog('armed')
    const keepAlive = setInterval(() => {}, 1000)
    console.log('groups=' + [plain.pid, tree.pid, stubborn.pid].join(','))
    ${tail}
  `,
  )
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise((resolve) =>
    // 'close', not 'exit': 'exit' can come before the last of the child's output is read.
    child.on('close', (code, signal) => resolve({ code, signal, stdout: () => stdout, stderr: () => stderr })),
  )
  const host = { child, groups: [], pids: [], exited }
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d
      const m = stdout.match(/groups=([\d,]+)\n/)
      if (m && host.groups.length === 0) {
        host.groups = m[1].split(',').map(Number)
        resolve()
      }
    })
    exited.then(() => reject(new Error(`the host ended early\nstdout: ${stdout}\nstderr: ${stderr}`)))
  })
  assert.ok(await until(() => sleepsIn(host.groups[1]) === 2, { timeout: 30_000 }), 'the tree did not start')
  host.pids = host.groups.flatMap(groupMembers)
  return host
}

/** Whatever the outcome, leaves nothing running: the host, then its groups. */
function cleanUp(host) {
  if (host === undefined) return
  if (host.child.exitCode === null && host.child.signalCode === null) host.child.kill('SIGKILL')
  for (const g of host.groups) {
    try {
      process.kill(-g, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

async function assertAllGone(pids) {
  // Generous: the watchdog needs about half a second.
  await until(() => pids.every(pidGone), { timeout: 5_000 })
  const left = pids.filter((pid) => !pidGone(pid))
  assert.deepEqual(left, [], `still running 5 s after the host ended: ${left}`)
}

for (const signal of ['SIGTERM', 'SIGKILL', 'SIGINT']) {
  test(`${signal} to Node, with no handler, leaves nothing it started running`, HANG_GUARD, async () => {
    // None of these runs Node's exit hook: only the watchdog can clean up.
    let host
    try {
      host = await startHost()
      assert.ok(host.pids.length >= 4, `${host.pids}`)
      host.child.kill(signal)
      const r = await host.exited
      // Node's own behaviour is unchanged: the signal still ends it.
      assert.equal(r.signal, signal, r.stderr())
      await assertAllGone(host.pids)
    } finally {
      cleanUp(host)
    }
  })
}

test("Node's own SIGTERM handler still runs, and Node lives until it chooses to exit", HANG_GUARD, async () => {
  let host
  try {
    host = await startHost(`
      process.on('SIGTERM', () => {
        console.log('handler ran')
        setTimeout(() => {
          let alive = true
          try { process.kill(plain.pid, 0) } catch { alive = false }
          console.log('still running=' + alive)
          process.exit(7)
        }, 500)
      })
    `)
    host.child.kill('SIGTERM')
    const r = await host.exited
    assert.equal(r.code, 7, r.stderr())
    assert.match(r.stdout(), /handler ran\nstill running=true\n/)
    await assertAllGone(host.pids)
  } finally {
    cleanUp(host)
  }
})
