// Each error class: its code, its context fields, and `instanceof` down to Error.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  Sandbox,
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
} from 'procwright'
import { freePort } from './helpers.mjs'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

function isA(e, cls, code) {
  assert.ok(e instanceof cls, `${e?.name} is not a ${cls.name}: ${e?.stack}`)
  assert.ok(e instanceof SandboxError)
  assert.ok(e instanceof Error)
  assert.equal(e.name, cls.name)
  assert.equal(e.code, code)
  assert.equal(typeof e.message, 'string')
  assert.ok(e.message.length > 0)
  assert.ok(Array.isArray(e.lastLines))
  assert.match(e.stack, new RegExp(cls.name))
  return true
}

test('ProcessNotFoundError: every by-id method, with processId', HANG_GUARD, async () => {
  for (const call of [
    () => sandbox.killProcess('ghost'),
    () => sandbox.stopProcess('ghost'),
    () => sandbox.getProcessLogs('ghost'),
    () => sandbox.streamProcessLogs('ghost'),
  ]) {
    await assert.rejects(call(), (e) => isA(e, ProcessNotFoundError, 'PROCESS_NOT_FOUND') && e.processId === 'ghost')
  }
  assert.equal(await sandbox.getProcess('ghost'), null)
})

test('ProcessReadyTimeoutError: condition named, the process keeps running', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('echo booting; sleep 300')
  await assert.rejects(p.waitForLog('Server ready', 50), (e) =>
    isA(e, ProcessReadyTimeoutError, 'PROCESS_READY_TIMEOUT') &&
    e.condition === 'Server ready' &&
    e.processId === p.id,
  )
  await assert.rejects(p.waitForLog(/port \d+/i, 50), (e) => e.condition === '/port \\d+/i')
  const port = await freePort()
  await assert.rejects(p.waitForPort(port, { timeout: 100 }), (e) =>
    isA(e, ProcessReadyTimeoutError, 'PROCESS_READY_TIMEOUT') && e.condition === `port ${port} (HTTP /)`,
  )
  await assert.rejects(p.waitForPort(port, { mode: 'tcp', timeout: 100 }), (e) => e.condition === `port ${port} (TCP)`)
  await assert.rejects(p.waitForExit(50), (e) => isA(e, ProcessReadyTimeoutError, 'PROCESS_READY_TIMEOUT') && e.condition === 'process exit')
  assert.equal(p.status, 'running')
  assert.deepEqual((await p.waitForLog('booting')).line, 'booting')
  await p.kill()
})

test('ProcessExitedBeforeReadyError: exit code and last lines, at once (not at the timeout)', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('echo one; echo two >&2; echo three; exit 7')
  const started = Date.now()
  await assert.rejects(p.waitForLog('never printed', 60_000), (e) =>
    isA(e, ProcessExitedBeforeReadyError, 'PROCESS_EXITED_BEFORE_READY') &&
    e.exitCode === 7 &&
    e.processId === p.id &&
    e.condition === 'never printed' &&
    ['one', 'two', 'three'].every((l) => e.lastLines.includes(l)),
  )
  assert.ok(Date.now() - started < 30_000)
  await assert.rejects(p.waitForPort(await freePort()), (e) => isA(e, ProcessExitedBeforeReadyError, 'PROCESS_EXITED_BEFORE_READY') && e.exitCode === 7)
})

test('ProcessError: a cwd that does not exist leaves an error record', HANG_GUARD, async () => {
  await assert.rejects(sandbox.startProcess('true', { cwd: '/no/such/dir', processId: 'bad-cwd' }), (e) =>
    isA(e, ProcessError, 'PROCESS_ERROR') && e.processId === 'bad-cwd' && /no\/such\/dir/.test(e.message),
  )
  const rec = await sandbox.getProcess('bad-cwd')
  assert.equal(rec.status, 'error')
  assert.equal(rec.exitCode, undefined)
  await assert.rejects(sandbox.startProcess(['/no/such/program']), (e) => isA(e, ProcessError, 'PROCESS_ERROR'))
})

test('InvalidArgumentError: PROCESS_ID_IN_USE, INVALID_COMMAND, INVALID_PATTERN, INVALID_ARGUMENT', HANG_GUARD, async () => {
  const p = await sandbox.startProcess('sleep 300', { processId: 'taken' })
  await assert.rejects(sandbox.startProcess('true', { processId: 'taken' }), (e) =>
    isA(e, InvalidArgumentError, 'PROCESS_ID_IN_USE') && e.processId === 'taken',
  )
  await assert.rejects(sandbox.startProcess('   '), (e) => isA(e, InvalidArgumentError, 'INVALID_COMMAND'))
  await assert.rejects(p.waitForLog(/(?=a)*/), (e) => isA(e, InvalidArgumentError, 'INVALID_PATTERN'))
  await assert.rejects(p.waitForLog(''), (e) => isA(e, InvalidArgumentError, 'INVALID_PATTERN'))
  await assert.rejects(p.kill('SIGNOPE'), (e) => isA(e, InvalidArgumentError, 'INVALID_ARGUMENT') && /SIGNOPE/.test(e.message))
  await p.kill()
  // The id is free again once its process has ended.
  const again = await sandbox.startProcess('true', { processId: 'taken' })
  await again.waitForExit()
})

test('SessionError: SESSION_ALREADY_EXISTS and SESSION_NOT_FOUND', HANG_GUARD, async () => {
  await sandbox.createSession({ id: 's1' })
  await assert.rejects(sandbox.createSession({ id: 's1' }), (e) => isA(e, SessionError, 'SESSION_ALREADY_EXISTS'))
  await assert.rejects(sandbox.getSession('nope'), (e) => isA(e, SessionError, 'SESSION_NOT_FOUND'))
  await assert.rejects(sandbox.deleteSession('nope'), (e) => isA(e, SessionError, 'SESSION_NOT_FOUND'))
  await assert.rejects(sandbox.startProcess('true', {}, 'nope'), (e) => isA(e, SessionError, 'SESSION_NOT_FOUND'))
  await sandbox.deleteSession('s1')
})

test('the classes can be constructed and subclassed by users', () => {
  const e = new ProcessReadyTimeoutError('late', { processId: 'p', condition: 'x', lastLines: ['a'] })
  assert.equal(e.code, 'PROCESS_READY_TIMEOUT')
  assert.equal(e.processId, 'p')
  assert.deepEqual(e.lastLines, ['a'])
  assert.equal(new SandboxError('x').code, 'SANDBOX_ERROR')
  assert.equal(new InvalidArgumentError('x', { code: 'INVALID_PATTERN' }).code, 'INVALID_PATTERN')
  assert.ok(!(new ProcessError('x') instanceof InvalidArgumentError))
  const cause = new Error('root')
  assert.equal(new SessionError('x', { cause }).cause, cause)
})
