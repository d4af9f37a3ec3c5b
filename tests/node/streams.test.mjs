// logs() as an async iterable (early break releases it), streamProcessLogs as a
// ReadableStream of SSE frames, parseSSEStream and AbortSignal.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, parseSSEStream, LogEventIterator } from 'procwright'
import { until } from './helpers.mjs'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

test('logs(): kept output first, then live output, then exit last', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('echo early; sleep 0.2; echo late >&2; exit 3')
  await p.waitForLog('early')
  const events = []
  for await (const e of p.logs()) events.push(e)
  assert.deepEqual(events.map((e) => [e.type, e.data]), [
    ['stdout', 'early\n'],
    ['stderr', 'late\n'],
    ['exit', ''],
  ])
  assert.equal(events.at(-1).exitCode, 3)
  for (const e of events) {
    assert.equal(e.processId, p.id)
    assert.ok(!Number.isNaN(Date.parse(e.timestamp)))
  }
  // An ended process replays its output and exit at once.
  const again = []
  for await (const e of p.logs()) again.push(e.type)
  assert.deepEqual(again, ['stdout', 'stderr', 'exit'])
})

test('logs(): an early break releases the subscription', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('while true; do echo tick; sleep 0.01; done')
  const it = p.logs()
  assert.ok(it instanceof LogEventIterator)
  let n = 0
  for await (const e of it) {
    assert.equal(e.type, 'stdout')
    if (++n === 3) break
  }
  assert.equal(n, 3)
  assert.equal(it.released, true)
  assert.deepEqual(await it.next(), { done: true, value: undefined })
  // return() while a read is pending ends that read too.
  const slow = await sandbox.startProcess('sleep 300')
  const it2 = slow.logs()
  const pending = it2.next()
  await it2.return()
  assert.deepEqual(await pending, { done: true, value: undefined })
  assert.equal(it2.released, true)
  await p.kill()
  await slow.kill()
})

test('streamProcessLogs: a ReadableStream<Uint8Array> of `id: <cursor>\\ndata: <json>\\n\\n` frames', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('printf "a\\n"; printf "b\\n" >&2')
  const stream = await sandbox.streamProcessLogs(p.id)
  assert.ok(stream instanceof ReadableStream)
  const chunks = []
  for await (const chunk of stream) {
    assert.ok(chunk instanceof Uint8Array)
    chunks.push(Buffer.from(chunk).toString('utf8'))
  }
  const text = chunks.join('')
  const frames = text.split('\n\n').filter(Boolean)
  for (const f of frames) assert.match(f, /^id: \d+\ndata: \{.*\}$/)
  const events = frames.map((f) => JSON.parse(f.slice(f.indexOf('\n') + 7)))
  // Each frame's id is its event's cursor.
  for (const f of frames) assert.equal(Number(f.slice(4, f.indexOf('\n'))), JSON.parse(f.slice(f.indexOf('\n') + 7)).cursor)
  assert.equal(events.at(-1).type, 'exit')
  assert.equal(events.at(-1).exitCode, 0)
  assert.deepEqual(events.slice(0, -1).map((e) => e.data).sort(), ['a\n', 'b\n'])
})

test('parseSSEStream: frames split anywhere, several data lines, comments and CRLF', HANG_GUARD, async () => {
  const text = ': comment\r\n\r\ndata: {"type":"stdout","data":"x"}\n\ndata: {"type":\ndata: "exit","exitCode":0}\n\ndata: [DONE]\n\n'
  const bytes = new TextEncoder().encode(text)
  const stream = new ReadableStream({
    start(c) {
      for (let i = 0; i < bytes.length; i += 5) c.enqueue(bytes.slice(i, i + 5))
      c.close()
    },
  })
  const events = []
  for await (const e of parseSSEStream(stream)) events.push(e)
  assert.deepEqual(events, [
    { type: 'stdout', data: 'x' },
    { type: 'exit', exitCode: 0 },
  ])
})

test('parseSSEStream: an AbortSignal ends the iteration and releases the stream', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('while true; do echo tick; sleep 0.01; done')
  const stream = await sandbox.streamProcessLogs(p.id)
  const controller = new AbortController()
  let n = 0
  await assert.rejects(
    (async () => {
      for await (const e of parseSSEStream(stream, controller.signal)) {
        assert.equal(e.type, 'stdout')
        if (++n === 3) controller.abort()
      }
    })(),
    { name: 'AbortError' },
  )
  assert.equal(n, 3)
  assert.equal(stream.locked, false)
  // Aborting while a read is pending (the process is quiet) rejects at once.
  const quiet = await sandbox.startProcess('sleep 300')
  const s2 = await sandbox.streamProcessLogs(quiet.id)
  const c2 = new AbortController()
  setTimeout(() => c2.abort(new Error('enough')), 50)
  await assert.rejects(
    (async () => {
      for await (const _ of parseSSEStream(s2, c2.signal)) assert.fail('no output expected')
    })(),
    /enough/,
  )
  // An already aborted signal rejects before reading.
  const s3 = await sandbox.streamProcessLogs(quiet.id)
  await assert.rejects(parseSSEStream(s3, AbortSignal.abort()).next(), { name: 'AbortError' })
  await p.kill()
  await quiet.kill()
})

test('parseSSEStream: an early break cancels the underlying stream', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('while true; do echo tick; sleep 0.01; done')
  const stream = await sandbox.streamProcessLogs(p.id)
  for await (const e of parseSSEStream(stream)) {
    assert.equal(e.type, 'stdout')
    break
  }
  assert.equal(stream.locked, false)
  const reader = stream.getReader()
  assert.deepEqual(await reader.read(), { done: true, value: undefined }) // cancelled
  await p.kill()
})

test('streamProcessLogs({signal}): aborting errors the stream', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('sleep 300')
  const controller = new AbortController()
  const stream = await sandbox.streamProcessLogs(p.id, { signal: controller.signal })
  const reader = stream.getReader()
  const read = reader.read()
  controller.abort()
  await assert.rejects(read, { name: 'AbortError' })
  await p.kill()
})

test('sessions stream their own processes only', HANG_GUARD, async () => {
  const s = await sandbox.createSession({ id: 'streamer' })
  const p = await s.startProcess('echo in-session')
  const events = []
  for await (const e of parseSSEStream(await s.streamProcessLogs(p.id))) events.push(e.type)
  assert.deepEqual(events, ['stdout', 'exit'])
  const outside = await sandbox.startProcess('true')
  await assert.rejects(s.streamProcessLogs(outside.id), { code: 'PROCESS_NOT_FOUND' })
  assert.ok(await until(async () => (await outside.getStatus()) === 'completed'))
  await sandbox.deleteSession('streamer')
})

test('getLogs(): bounded by logLimit, counting what was dropped per stream', HANG_GUARD, async () => {
  const small = new Sandbox({ logLimit: 64 * 1024 })
  try {
    const p = await small.startProcess('head -c 1000000 /dev/zero | tr "\\0" x; echo err >&2')
    await p.waitForExit(30_000)
    const logs = await p.getLogs()
    assert.ok(logs.stdout.length <= 64 * 1024, `kept ${logs.stdout.length}`)
    assert.equal(logs.stdout.length + logs.stdoutDropped, 1_000_000)
    assert.equal(logs.stderr, 'err\n')
    assert.equal(logs.stderrDropped, 0)
    assert.deepEqual(await small.getProcessLogs(p.id), logs)
  } finally {
    await small.destroy()
  }
})
