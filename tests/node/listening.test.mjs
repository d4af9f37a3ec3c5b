// getPorts, listPorts and waitForPort() without a port: the listening sockets of a
// process tree, IPv4, IPv6 and dual-stack, held by the leader, a child or an escapee.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import {
  Sandbox,
  InvalidArgumentError,
  ProcessExitedBeforeReadyError,
  ProcessReadyTimeoutError,
} from '../../bindings-node/js/index.mjs'

const HANG_GUARD = { timeout: 60_000 }

function listener(host) {
  const code = [
    'import socket,time',
    `h=${JSON.stringify(host)}`,
    "s=socket.socket(socket.AF_INET6 if ':' in h else socket.AF_INET)",
    "if h == '::': s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)",
    's.bind((h, 0)); s.listen()',
    "print('port', s.getsockname()[1], flush=True)",
    'time.sleep(300)',
  ].join('\n')
  return ['python3', '-c', code]
}

async function portOf(p) {
  const m = await p.waitForLog(/^port (\d+)$/, 30_000)
  return Number(m.match[1])
}

test('getPorts reports IPv4, IPv6 and dual-stack listeners with their family', HANG_GUARD, async () => {
  const sb = new Sandbox()
  for (const [host, family] of [['0.0.0.0', 'ipv4'], ['127.0.0.1', 'ipv4'], ['::1', 'ipv6'], ['::', 'ipv6']]) {
    const p = await sb.startProcess(listener(host))
    const port = await portOf(p)
    const ports = await p.getPorts()
    assert.deepEqual(ports, [{ port, host, family, pid: p.pid, processId: p.id }], host)
    await p.kill()
    assert.deepEqual(await p.getPorts(), [])
  }
  await sb.destroy()
})

test('a child and an escapee count; a stranger does not', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const stranger = createServer().listen(0, '127.0.0.1')
  await new Promise((r) => stranger.once('listening', r))
  try {
    const quoted = (argv) => argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
    const child = await sb.startProcess(`${quoted(listener('127.0.0.1'))} & wait`)
    const escapee = await sb.startProcess(`setsid ${quoted(listener('::1'))} & sleep 300`)
    const [cport, eport] = [await portOf(child), await portOf(escapee)]
    const c = await child.getPorts()
    assert.deepEqual(c.map((x) => x.port), [cport])
    assert.notEqual(c[0].pid, child.pid)
    assert.deepEqual((await escapee.getPorts()).map((x) => [x.port, x.family]), [[eport, 'ipv6']])
    const listed = (await sb.listPorts()).map((x) => `${x.processId}:${x.port}`).sort()
    assert.deepEqual(listed, [`${child.id}:${cport}`, `${escapee.id}:${eport}`].sort())
    assert.ok(!(await sb.listPorts()).some((x) => x.port === stranger.address().port))
    await sb.killAllProcesses()
    assert.deepEqual(await sb.listPorts(), [])
  } finally {
    stranger.close()
    await sb.destroy()
  }
})

test('waitForPort() without a port resolves {port}; it fails on exit, timeout and abort', HANG_GUARD, async () => {
  const sb = new Sandbox()
  const p = await sb.startProcess(['sh', '-c', 'sleep 0.3; exec "$@"', 'sh', ...listener('::')])
  const ready = await p.waitForPort({ timeout: 30_000 })
  assert.deepEqual(ready, { port: await portOf(p) })
  assert.equal(await p.waitForPort(ready.port, { mode: 'tcp', timeout: 30_000 }), undefined)
  const gone = await sb.startProcess('sleep 0.2; exit 3')
  await assert.rejects(gone.waitForPort(), (e) => e instanceof ProcessExitedBeforeReadyError && e.exitCode === 3)
  const idle = await sb.startProcess('sleep 300')
  await assert.rejects(idle.waitForPort({ timeout: 200 }), ProcessReadyTimeoutError)
  await assert.rejects(idle.waitForPort({ interval: 0 }), InvalidArgumentError)
  await assert.rejects(idle.waitForPort({ signal: AbortSignal.abort(new Error('no')) }), /no/)
  await assert.rejects(idle.waitForPort(null), InvalidArgumentError)
  assert.equal(idle.status, 'running')
  await sb.destroy()
})
