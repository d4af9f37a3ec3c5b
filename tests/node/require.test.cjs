// The CommonJS entry point: `require('procwright')` gives the same module as `import`.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const procwright = require('procwright')
const { Sandbox, getSandbox, parseSSEStream, SandboxError, ProcessNotFoundError } = procwright

test('require("procwright") works and matches the ESM entry point', { timeout: 60_000 }, async () => {
  for (const name of [
    'Sandbox', 'Session', 'ExecutionSession', 'Process', 'getSandbox', 'parseSSEStream',
    'SandboxError', 'ProcessNotFoundError', 'ProcessReadyTimeoutError',
    'ProcessExitedBeforeReadyError', 'ProcessError', 'InvalidArgumentError', 'SessionError',
  ]) {
    assert.ok(procwright[name], name)
  }
  const esm = await import('procwright')
  assert.equal(esm.Sandbox, Sandbox)
  assert.equal(esm.default, procwright)
  assert.equal(esm.getSandbox('cjs'), getSandbox('cjs')) // one shared instance per name

  const sandbox = new Sandbox()
  const p = await sandbox.startProcess(['echo', 'from cjs'])
  const r = await p.waitForLog(/from (\w+)/)
  assert.equal(r.match[1], 'cjs')
  const events = []
  for await (const e of parseSSEStream(await sandbox.streamProcessLogs(p.id))) events.push(e.type)
  assert.deepEqual(events, ['stdout', 'exit'])
  await assert.rejects(sandbox.killProcess('nope'), (e) => e instanceof ProcessNotFoundError && e instanceof SandboxError)
  await sandbox.destroy()
})
