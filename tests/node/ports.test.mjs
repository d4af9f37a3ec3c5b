// waitForPort and listeners that are not the process's own (issue 8): a server left
// over from an earlier run does not make a new one ready; `owned` picks the rule.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import {
  Sandbox,
  InvalidArgumentError,
  ProcessExitedBeforeReadyError,
  ProcessReadyTimeoutError,
} from 'procwright'
import { freePort, until } from './helpers.mjs'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
const outsiders = []
after(async () => {
  for (const child of outsiders) child.kill('SIGKILL')
  await sandbox.destroy()
})

const serverCommand = (port) => `python3 -m http.server ${port} --bind 127.0.0.1`

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

/** `python3 -m http.server` outside any sandbox, as a server from an earlier run would be. */
async function startOutsider(port) {
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], { stdio: 'ignore' })
  outsiders.push(child)
  assert.ok(await until(() => accepts(port)), `the outside server on ${port} did not listen`)
  return child
}

test('a stale server does not make a server dying of EADDRINUSE ready', HANG_GUARD, async () => {
  const port = await freePort()
  await startOutsider(port)
  const server = await sandbox.startProcess(serverCommand(port))
  await assert.rejects(server.waitForPort(port, { timeout: 30_000 }), (e) => {
    assert.ok(e instanceof ProcessExitedBeforeReadyError, e.stack)
    assert.equal(e.code, 'PROCESS_EXITED_BEFORE_READY')
    assert.equal(e.condition, `port ${port} (HTTP /)`)
    return true
  })
  assert.match((await server.getLogs()).stderr, /Address already in use/)
})

test('a process that never listens is not ready on a stale port, unless owned: false', HANG_GUARD, async () => {
  const port = await freePort()
  await startOutsider(port)
  const sleeper = await sandbox.startProcess('sleep 30')
  for (const options of [{}, { owned: 'auto' }, { owned: true }]) {
    await assert.rejects(sleeper.waitForPort(port, { ...options, timeout: 500 }), (e) => {
      assert.ok(e instanceof ProcessReadyTimeoutError, `${JSON.stringify(options)}: ${e.stack}`)
      return true
    })
  }
  await sleeper.waitForPort(port, { owned: false, timeout: 30_000 })
  assert.equal(sleeper.status, 'running')
})

test("the process's own server is ready under every rule", HANG_GUARD, async () => {
  const port = await freePort()
  const server = await sandbox.startProcess(serverCommand(port))
  for (const owned of [true, 'auto', undefined, false]) {
    await server.waitForPort(port, { owned, timeout: 30_000 })
  }
})

test('a listener started after the process counts unless owned: true', HANG_GUARD, async () => {
  // Like docker-proxy, which `docker run -p` starts after the awaited process.
  const sleeper = await sandbox.startProcess('sleep 30')
  const port = await freePort()
  await startOutsider(port)
  await sleeper.waitForPort(port, { timeout: 30_000 })
  await assert.rejects(sleeper.waitForPort(port, { owned: true, timeout: 500 }), ProcessReadyTimeoutError)
})

test('bad owned values are invalid arguments', HANG_GUARD, async () => {
  const sleeper = await sandbox.startProcess('sleep 30')
  for (const owned of ['mine', 'true', 1, [true], {}]) {
    await assert.rejects(sleeper.waitForPort(8080, { owned }), (e) => {
      assert.ok(e instanceof InvalidArgumentError, `${JSON.stringify(owned)}: ${e.stack}`)
      assert.equal(e.code, 'INVALID_ARGUMENT')
      return true
    })
  }
})
