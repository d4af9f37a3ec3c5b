// onStart, onOutput, onExit, onError run on the JS thread, in order; a callback that
// throws (or rejects) is reported as a process warning and harms nothing.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { isMainThread, threadId } from 'node:worker_threads'
import { Sandbox, Process, ProcessError } from 'procwright'
import { until } from './helpers.mjs'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
after(() => sandbox.destroy())

test('onStart, onOutput, onExit: in order, on the JS thread', HANG_GUARD, async () => {
  const seen = []
  let startArg
  const p = await sandbox.startProcess('echo out; echo err >&2; exit 5', {
    onStart: (proc) => {
      startArg = proc
      seen.push(['start', isMainThread && threadId === 0])
    },
    onOutput: (stream, data) => seen.push([stream, data]),
    onExit: (code) => seen.push(['exit', code]),
  })
  await p.waitForExit()
  assert.ok(await until(() => seen.some((e) => e[0] === 'exit')))
  assert.deepEqual(seen[0], ['start', true])
  assert.deepEqual(seen.at(-1), ['exit', 5])
  assert.deepEqual(
    seen.slice(1, -1).map((e) => e.join(':')).sort(),
    ['stderr:err\n', 'stdout:out\n'],
  )
  assert.ok(startArg instanceof Process)
  assert.equal(startArg.id, p.id)
  assert.equal(startArg.status, 'failed') // a live handle: it sees the end too
})

test('onError: a process that cannot start; onExit gets null', HANG_GUARD, async () => {
  const errors = []
  const exits = []
  await assert.rejects(
    sandbox.startProcess('true', {
      cwd: '/definitely/missing',
      onError: (e) => errors.push(e),
      onExit: (c) => exits.push(c),
    }),
    ProcessError,
  )
  assert.ok(await until(() => errors.length === 1))
  assert.ok(errors[0] instanceof ProcessError)
  assert.equal(errors[0].code, 'PROCESS_ERROR')
})

test('a throwing or rejecting callback is reported as a warning, not fatal', HANG_GUARD, async () => {
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const outputs = []
    const p = await sandbox.startProcess('echo a; sleep 0.05; echo b', {
      onStart: () => {
        throw new Error('start boom')
      },
      onOutput: (_s, d) => {
        outputs.push(d)
        throw new TypeError('output boom')
      },
      onExit: async () => {
        throw new Error('exit boom')
      },
    })
    const exit = await p.waitForExit()
    assert.equal(exit.exitCode, 0)
    assert.ok(await until(() => warnings.some((w) => /exit boom/.test(w.message))))
    assert.equal(outputs.join(''), 'a\nb\n') // the callback kept being called
    const ours = warnings.filter((w) => w.code === 'PROCWRIGHT_CALLBACK_ERROR')
    assert.ok(ours.some((w) => /onStart.*start boom/.test(w.message)))
    assert.ok(ours.some((w) => /onOutput.*output boom/.test(w.message) && w.cause instanceof TypeError))
    assert.ok(ours.some((w) => /onExit.*exit boom/.test(w.message)))
    // The sandbox still works.
    assert.equal((await sandbox.exec('echo still fine')).stdout, 'still fine\n')
  } finally {
    process.off('warning', onWarning)
  }
})

test('exec onOutput: every chunk before the result; a throwing one is reported', HANG_GUARD, async () => {
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const chunks = []
    const r = await sandbox.exec('for i in 1 2 3 4 5; do echo line $i; done; echo e >&2', {
      stream: true,
      onOutput: (stream, data) => chunks.push([stream, data]),
    })
    assert.equal(chunks.filter(([s]) => s === 'stdout').map(([, d]) => d).join(''), r.stdout)
    assert.equal(chunks.filter(([s]) => s === 'stderr').map(([, d]) => d).join(''), r.stderr)
    const r2 = await sandbox.exec('echo x', {
      onOutput: () => {
        throw new Error('exec boom')
      },
    })
    assert.equal(r2.stdout, 'x\n')
    assert.ok(await until(() => warnings.some((w) => /exec boom/.test(w.message))))
    // an exec error with onOutput still rejects with the class
    await assert.rejects(sandbox.exec('sleep 300', { timeout: 50, onOutput: () => {} }), { code: 'COMMAND_TIMEOUT', name: 'CommandTimeoutError' })
  } finally {
    process.off('warning', onWarning)
  }
})

test('callbacks must be functions', HANG_GUARD, async () => {
  for (const name of ['onStart', 'onOutput', 'onExit', 'onError']) {
    await assert.rejects(sandbox.startProcess('true', { [name]: 'nope' }), { code: 'INVALID_ARGUMENT', message: new RegExp(name) })
  }
  await assert.rejects(sandbox.exec('true', { onOutput: 42 }), { code: 'INVALID_ARGUMENT' })
})
