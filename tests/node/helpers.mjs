// Shared helpers for the Node suite: free ports, scratch directories, small
// servers and scripts standing in for the seed examples' programs.
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const ENTRY_MJS = join(ROOT, 'bindings-node', 'js', 'index.mjs')

/** A port nothing listens on right now (so parallel suites do not collide). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

export function scratch(prefix = 'procwright-node-') {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * Writes `server.js`: an HTTP server on $PORT that prints
 * "Server listening on port N" once it listens, answers /health with 200 and
 * everything else with 200 "ok"; with $CRASH it dies on start with a message on stderr.
 */
export function writeServer(dir) {
  writeFileSync(
    join(dir, 'server.js'),
    `
if (process.env.CRASH) { console.error('fatal: ' + process.env.CRASH); process.exit(1) }
const http = require('node:http')
const port = Number(process.env.PORT || 3000)
http.createServer((req, res) => {
  res.statusCode = 200
  res.end(req.url === '/health' ? 'healthy' : 'ok')
}).listen(port, '127.0.0.1', () => {
  console.log('Server listening on port ' + port)
  if (process.env.EXTRA) console.log(process.env.EXTRA)
})
process.on('SIGTERM', () => process.exit(0))
`,
  )
  return join(dir, 'server.js')
}

/** Whether a pid is gone (or only a zombie). */
export function pidGone(pid) {
  try {
    process.kill(pid, 0)
  } catch (e) {
    return e.code === 'ESRCH'
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

export async function until(check, { timeout = 20000, every = 20 } = {}) {
  const end = Date.now() + timeout
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((r) => setTimeout(r, every))
  }
  return false
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
