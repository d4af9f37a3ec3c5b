// Bad input of every kind gets an InvalidArgumentError (or the class its code names)
// with a message that says what was wrong: never a crash, a hang, or a broken record.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, getSandbox, parseSSEStream, InvalidArgumentError, SandboxError } from 'procwright'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
let p
before(async () => {
  p = await sandbox.startProcess('echo alive; sleep 300', { processId: 'survivor' })
})
after(() => sandbox.destroy())

async function bad(promiseOrFn, code = 'INVALID_ARGUMENT', message) {
  const run = typeof promiseOrFn === 'function' ? promiseOrFn : () => promiseOrFn
  await assert.rejects(
    (async () => run())(),
    (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${e?.name}: ${e?.message}`)
      assert.equal(e.code, code, e.message)
      if (message) assert.match(e.message, message)
      return true
    },
  )
}

test('commands', HANG_GUARD, async () => {
  await bad(sandbox.startProcess(''), 'INVALID_COMMAND', /empty/)
  await bad(sandbox.startProcess('  \n '), 'INVALID_COMMAND')
  await bad(sandbox.startProcess([]), 'INVALID_COMMAND', /argv/)
  await bad(sandbox.startProcess(['']), 'INVALID_COMMAND')
  await bad(sandbox.startProcess('echo a\0b'), 'INVALID_COMMAND', /NUL/)
  await bad(sandbox.startProcess(['echo', 'a\0b']), 'INVALID_COMMAND', /NUL/)
  for (const c of [42, null, undefined, {}, ['echo', 1], true, Symbol('x')]) {
    await bad(sandbox.startProcess(c), 'INVALID_COMMAND', /string or an array of strings/)
    await bad(sandbox.exec(c), 'INVALID_COMMAND')
  }
})

test('process options', HANG_GUARD, async () => {
  await bad(sandbox.startProcess('true', 'fast'), 'INVALID_ARGUMENT', /options must be an object/)
  await bad(sandbox.startProcess('true', [1]), 'INVALID_ARGUMENT')
  for (const id of ['', '   ', 'a/b', '..', 'x\0y']) await bad(sandbox.startProcess('true', { processId: id }))
  await bad(sandbox.startProcess('true', { processId: 42 }))
  await bad(sandbox.startProcess('true', { cwd: 'a\0b' }), 'INVALID_ARGUMENT', /NUL/)
  await bad(sandbox.startProcess('true', { cwd: 7 }))
  for (const env of [{ A: 1 }, { '': 'x' }, { 'A=B': 'x' }, { A: 'x\0' }, { 'A\0': 'x' }, 'A=1']) {
    await bad(sandbox.startProcess('true', { env }))
  }
  for (const timeout of [-1, NaN, Infinity, '10', 1e300]) {
    await bad(sandbox.startProcess('true', { timeout }))
    await bad(sandbox.startProcess('true', { killTimeout: timeout }))
  }
  await bad(sandbox.startProcess('true', { autoCleanup: 'yes' }))
  await bad(sandbox.startProcess('true', {}, 42))
})

test('waits', HANG_GUARD, async () => {
  for (const t of [-5, NaN, -Infinity, Infinity, 'soon', {}]) {
    // A bare number is the timeout; an object is the options form ({} is no options).
    if (typeof t !== 'object') {
      await bad(p.waitForLog('x', t))
      await bad(p.waitForExit(t))
    }
    await bad(p.waitForLog('x', { timeout: t }))
    await bad(p.waitForExit({ timeout: t }))
    await bad(p.waitForPort(3000, { timeout: t }))
  }
  for (const o of [{ times: 0 }, { times: 1.5 }, { times: '2' }, { stream: 'both' }, { since: -1 }, { since: 'then' }, { signal: {} }]) {
    await bad(p.waitForLog('x', o))
  }
  await bad(p.waitForLog(''), 'INVALID_PATTERN')
  for (const pat of [42, null, undefined, {}, [], new Date()]) {
    await bad(p.waitForLog(pat), 'INVALID_ARGUMENT', /string or a RegExp/)
  }
  for (const port of [0, -1, 65536, 3000.5, NaN, Infinity, '3000', null]) {
    await bad(p.waitForPort(port))
  }
  await bad(p.waitForPort(3000, 'tcp'), 'INVALID_ARGUMENT', /must be an object/)
  await bad(p.waitForPort(3000, { mode: 'udp' }), 'INVALID_ARGUMENT', /udp/)
  await bad(p.waitForPort(3000, { status: 99 }))
  await bad(p.waitForPort(3000, { status: 200.5 }))
  await bad(p.waitForPort(3000, { status: { min: 300, max: 200 } }))
  await bad(p.waitForPort(3000, { status: '200' }))
  await bad(p.waitForPort(3000, { path: 'health' }), 'INVALID_ARGUMENT', /path/)
  await bad(p.waitForPort(3000, { path: '/a b' }))
  await bad(p.waitForPort(3000, { path: '/x\r\nHost: evil' }))
  await bad(p.waitForPort(3000, { interval: 0 }))
  await bad(p.waitForPort(3000, { interval: -1 }))
  await bad(p.waitForPort(3000, { host: '' }))
  await bad(p.waitForPort(3000, { host: 'a\0b' }))
})

test('signals and kill options', HANG_GUARD, async () => {
  for (const sig of ['SIGNOPE', '', 'SIG', 0, 65, -9, 9.5, {}, []]) {
    await bad(p.kill(sig))
    await bad(sandbox.killProcess('survivor', sig))
  }
  await bad(p.kill('SIGTERM', { timeout: -1 }))
  await bad(p.kill('SIGTERM', 'soon'), 'INVALID_ARGUMENT', /must be an object/)
  assert.equal(p.status, 'running')
})

test('ids, sessions, sandboxes, streams', HANG_GUARD, async () => {
  for (const id of [42, null, undefined, {}]) {
    await bad(sandbox.getProcess(id))
    await bad(sandbox.killProcess(id))
    await bad(sandbox.getProcessLogs(id))
    await bad(sandbox.streamProcessLogs(id))
  }
  await bad(sandbox.createSession({ id: '' }))
  await bad(sandbox.createSession({ id: 'a\0' }))
  await bad(sandbox.createSession({ env: { A: 1 } }))
  await bad(sandbox.createSession('s'))
  await bad(sandbox.getSession(42))
  await bad(() => new Sandbox({ logLimit: 0 }), 'INVALID_ARGUMENT', /log_limit|logLimit/)
  await bad(() => new Sandbox({ logLimit: -1 }))
  await bad(() => new Sandbox({ logLimit: 1.5 }))
  await bad(() => new Sandbox({ shell: 'no-such-shell-anywhere' }), 'INVALID_ARGUMENT', /shell/)
  await bad(() => new Sandbox({ shell: '' }))
  await bad(() => new Sandbox({ cwd: 'x\0' }))
  await bad(() => new Sandbox({ env: { 'A=B': '1' } }))
  await bad(() => new Sandbox('fast'))
  await bad(() => getSandbox(42))
  await bad(() => getSandbox('a\0b'))
  await bad(sandbox.streamProcessLogs('survivor', { signal: 'stop' }))
  await bad(sandbox.exec('true', { timeout: -1 }))
  await bad(sandbox.exec('true', { killTimeout: -1 }), 'INVALID_ARGUMENT', /killTimeout/)
  await bad(sandbox.exec('true', 'opts'))
  await bad(() => parseSSEStream('data: {}\n\n').next(), 'INVALID_ARGUMENT', /ReadableStream/)
  await bad(() => parseSSEStream(new ReadableStream(), 'signal').next(), 'INVALID_ARGUMENT', /AbortSignal/)
})

test('after all that, the sandbox and its process are intact', HANG_GUARD, async () => {
  assert.equal(p.status, 'running')
  assert.equal((await p.waitForLog('alive')).line, 'alive')
  const list = await sandbox.listProcesses()
  assert.ok(list.some((x) => x.id === 'survivor' && x.status === 'running'))
  // every record is well formed
  for (const x of list) {
    assert.equal(typeof x.id, 'string')
    assert.ok(['starting', 'running', 'completed', 'failed', 'killed', 'error'].includes(x.status))
  }
  assert.equal((await sandbox.exec(['echo', 'ok'])).stdout, 'ok\n')
  assert.ok(new InvalidArgumentError('x') instanceof SandboxError)
})

test('numbers of the wrong type are named by their option, never in napi words', HANG_GUARD, async () => {
  const napi = /napi|rust type/
  const named = async (promiseOrFn, option) => {
    await assert.rejects((async () => (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn))(), (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${e?.name}: ${e?.message}`)
      assert.match(e.message, option)
      assert.doesNotMatch(e.message, napi)
      return true
    })
  }
  const tty = await sandbox.startProcess('sleep 300', { pty: { cols: 80, rows: 24 } })
  await named(() => tty.resize('80', 24), /resize: cols must be a number, got the string "80"/)
  await named(() => tty.resize(80, null), /resize: rows must be a number/)
  await named(sandbox.startProcess('true', { pty: { cols: 'x' } }), /pty\.cols must be a number/)
  await named(sandbox.startProcess('true', { restart: { policy: 'always', backoff: { initial: '1s' } } }), /restart\.backoff\.initial must be a number/)
  await named(sandbox.startProcess('true', { restart: { policy: 'always', maxRestarts: '3' } }), /restart\.maxRestarts must be a number/)
  await tty.kill()
})
