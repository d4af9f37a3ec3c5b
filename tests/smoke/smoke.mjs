// Smoke test of an installed procwright npm package (run by scripts/smoke.sh from an
// empty npm project in a temp dir that installed only the packed tarballs): a real
// server started, its port discovered, fetched, its logs read, stopped, and checked gone.
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import { getSandbox } from 'procwright'

const require = createRequire(import.meta.url)
const resolved = require.resolve('procwright')
assert.ok(resolved.includes('/node_modules/procwright/'), `procwright came from ${resolved}`)
const version = require('procwright/package.json').version
if (process.argv[2]) assert.equal(version, process.argv[2])

const sandbox = getSandbox('smoke')
const server = await sandbox.startProcess(['python3', '-u', '-m', 'http.server', '0', '--bind', '127.0.0.1'])
const { port } = await server.waitForPort({ timeout: 30_000 })
assert.ok(port > 0, String(port))
await server.waitForLog(`port ${port}`, { timeout: 10_000 })

const response = await fetch(`http://127.0.0.1:${port}/`)
assert.equal(response.status, 200)
await response.arrayBuffer()
await server.waitForLog('"GET / HTTP/1.1" 200', { timeout: 10_000 })
const logs = await server.getLogs()
assert.ok(logs.stdout.includes(`port ${port}`), logs.stdout)
assert.ok(logs.stderr.includes('GET / HTTP/1.1'), logs.stderr)

const pid = server.pid
assert.ok(pid !== undefined)
await server.kill()
await server.waitForExit(10_000)
assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `server pid ${pid} is still there after kill`)
await sandbox.destroy()
console.log(`node smoke ok: procwright ${version}, server on port ${port}, stopped (${server.status})`)
