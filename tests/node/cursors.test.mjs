// Log cursors: getLogs({since, tail, stream, maxBytes}), logs({since, replay, follow,
// stream, signal}), SSE ids that resume, truncated events, waitForLog's options, and
// AbortSignal on every wait.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Sandbox,
  InvalidArgumentError,
  ProcessExitedBeforeReadyError,
  parseSSEStream,
} from '../../bindings-node/js/index.mjs'

const HANG_GUARD = { timeout: 60_000 }

async function ended(sb, cmd) {
  const p = await sb.startProcess(cmd)
  await p.waitForExit(30_000)
  return p
}

async function collect(iter) {
  const out = []
  for await (const e of iter) out.push(e)
  return out
}

function gate() {
  const file = join(mkdtempSync(join(tmpdir(), 'pw-cursor-')), 'go')
  return { file, wait: `while [ ! -e ${file} ]; do sleep 0.02; done`, open: () => writeFileSync(file, '') }
}

test('getLogs({since}) returns only newer output, with the cursor to go on from', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const g = gate()
  const p = await sb.startProcess(`echo first; ${g.wait}; echo second; sleep 300`)
  await p.waitForLog('first', 30_000)
  const logs = await p.getLogs()
  assert.deepEqual([logs.stdout, logs.cursor, logs.truncated], ['first\n', 6, false])
  g.open()
  await p.waitForLog('second', { timeout: 30_000, since: logs.cursor })
  const newer = await p.getLogs({ since: logs.cursor })
  assert.equal(newer.stdout, 'second\n')
  assert.equal(newer.cursor, 13)
  assert.equal((await sb.getProcessLogs(p.id, { since: newer.cursor })).stdout, '')
  await sb.destroy()
})

test('tail, stream and maxBytes select the window', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await ended(sb, 'seq 1 100; echo warn >&2')
  assert.equal((await p.getLogs({ tail: 2, stream: 'stdout' })).stdout, '99\n100\n')
  const err = await p.getLogs({ stream: 'stderr' })
  assert.deepEqual([err.stdout, err.stderr], ['', 'warn\n'])
  assert.equal((await p.getLogs({ maxBytes: 4, stream: 'stdout' })).stdout, '100\n')
  await sb.destroy()
})

test('bad cursors and selections are InvalidArgumentError', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await ended(sb, 'echo hi')
  for (const bad of [{ since: 4 }, { since: -1 }, { since: 1.5 }, { tail: -1 }, { stream: 'stdin' }, { maxBytes: 0 }]) {
    await assert.rejects(p.getLogs(bad), InvalidArgumentError, JSON.stringify(bad))
  }
  await assert.rejects(p.getLogs({ since: 99 }), /past the end/)
  await assert.rejects(p.waitForLog('hi', { times: 0 }), InvalidArgumentError)
  await assert.rejects(p.waitForLog('hi', { since: 'later' }), /'now'/)
  await assert.rejects(p.waitForLog('hi', { since: 99 }), /past the end/)
  assert.throws(() => p.logs({ since: 99 }), InvalidArgumentError)
  await assert.rejects(sb.streamProcessLogs(p.id, { since: -5 }), InvalidArgumentError)
  await sb.destroy()
})

test('events carry cursors; a stream from any of them gives exactly the rest', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await ended(sb, "printf 'a\\n'; printf 'bc\\n'; printf 'd'")
  const events = await collect(p.logs())
  assert.deepEqual(events.at(-1).type, 'exit')
  assert.equal(events.at(-1).cursor, 6)
  for (const [i, e] of events.entries()) {
    const rest = await collect(p.logs({ since: e.cursor }))
    assert.equal(rest.map((x) => x.data).join(''), events.slice(i + 1).map((x) => x.data).join(''))
    assert.equal(rest.at(-1).type, 'exit')
  }
  await sb.destroy()
})

test('SSE frames carry id: <cursor>, and a client resumes from the last id', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await ended(sb, "printf 'one\\n'; printf 'two\\n'")
  const raw = await sb.streamProcessLogs(p.id)
  const text = await new Response(raw).text()
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
  assert.ok(ids.length >= 2, text)
  assert.equal(ids.at(-1), 8)
  const firstId = ids[0]
  const resumed = []
  for await (const e of parseSSEStream(await sb.streamProcessLogs(p.id, { since: firstId }))) resumed.push(e)
  const all = []
  for await (const e of parseSSEStream(await sb.streamProcessLogs(p.id))) all.push(e)
  assert.equal(resumed.map((e) => e.data).join(''), all.slice(1).map((e) => e.data).join(''))
  await sb.destroy()
})

test('a stream from before the oldest kept byte starts with a truncated event', HANG_GUARD, async () => {
  const sb = new Sandbox({ logLimit: 4096 })
  const p = await ended(sb, 'seq 1 20000')
  const logs = await p.getLogs()
  assert.equal(logs.truncated, true)
  const events = await collect(p.logs())
  assert.equal(events[0].type, 'truncated')
  assert.equal(events[0].dropped, logs.stdoutDropped)
  assert.equal(events[0].cursor, logs.stdoutDropped)
  assert.equal(events.slice(1).map((e) => e.data).join(''), logs.stdout)
  const recent = await p.getLogs({ since: logs.cursor - 6 })
  assert.deepEqual([recent.stdout, recent.truncated], ['20000\n', false])
  await sb.destroy()
})

test('replay: false starts live; follow: false ends after the kept output', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('echo old; sleep 300')
  await p.waitForLog('old', 30_000)
  const kept = await collect(p.logs({ follow: false }))
  assert.deepEqual(kept.map((e) => [e.type, e.data]), [['stdout', 'old\n']])
  const g = gate()
  const q = await sb.startProcess(`echo old; ${g.wait}; echo new`)
  await q.waitForLog('old', 30_000)
  const live = q.logs({ replay: false })
  g.open()
  const events = await collect(live)
  assert.deepEqual(events.map((e) => [e.type, e.data]), [['stdout', 'new\n'], ['exit', '']])
  await sb.destroy()
})

test('waitForLog: times, stream, since a cursor, since now', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess("echo 'ready 1'; echo 'ready 2'; echo 'ready err' >&2; echo 'ready 3'; sleep 300")
  assert.equal((await p.waitForLog('ready', { timeout: 30_000, times: 3, stream: 'stdout' })).line, 'ready 3')
  const err = await p.waitForLog('ready', { timeout: 30_000, stream: 'stderr' })
  assert.deepEqual([err.line, err.stream], ['ready err', 'stderr'])
  const first = await p.waitForLog('ready', { stream: 'stdout' })
  const second = await p.waitForLog('ready', { stream: 'stdout', since: first.cursor })
  assert.equal(second.line, 'ready 2')
  // stderr is read apart from stdout: "ready err\n" may fall between the two lines.
  assert.ok([8, 18].includes(second.cursor - first.cursor), String(second.cursor - first.cursor))
  // The (pattern, timeoutMs) form still works.
  assert.equal((await p.waitForLog(/ready (\d)/, 30_000)).match[1], '1')

  const g = gate()
  const q = await sb.startProcess(`echo ready; ${g.wait}; echo 'ready again'; sleep 300`)
  await q.waitForLog('ready', 30_000)
  let settled = false
  const waiting = q.waitForLog('ready', { timeout: 30_000, since: 'now' }).finally(() => {
    settled = true
  })
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(settled, false, "the kept line must not satisfy since: 'now'")
  g.open()
  assert.equal((await waiting).line, 'ready again')
  await sb.destroy()
})

test('a line counts once, whatever frames of it matched', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await ended(sb, "printf '10%%\\r50%%\\r100%%\\n'; echo '100% again'")
  assert.equal((await p.waitForLog('%', { times: 2 })).line, '100% again')
  await assert.rejects(p.waitForLog('%', { times: 3 }), ProcessExitedBeforeReadyError)
  await sb.destroy()
})

test('every wait takes an AbortSignal: it rejects with the reason, the process runs on', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess('sleep 300')
  const reason = new Error('stop waiting')
  for (const start of [
    (signal) => p.waitForLog('never', { signal }),
    (signal) => p.waitForExit({ signal }),
    (signal) => p.waitForPort(1, { mode: 'tcp', signal }),
  ]) {
    const ac = new AbortController()
    const pending = start(ac.signal)
    setTimeout(() => ac.abort(reason), 50)
    await assert.rejects(pending, (e) => e === reason)
    // An already aborted signal rejects at once.
    await assert.rejects(start(AbortSignal.abort(reason)), (e) => e === reason)
  }
  assert.equal(p.status, 'running')
  // logs() with a signal: the iteration throws the reason and the stream is released.
  const ac = new AbortController()
  const iter = p.logs({ signal: ac.signal })
  setTimeout(() => ac.abort(reason), 50)
  await assert.rejects(collect(iter), (e) => e === reason)
  assert.equal(iter.released, true)
  await assert.rejects(p.waitForExit({ signal: 'no' }), InvalidArgumentError)
  await sb.destroy()
})
