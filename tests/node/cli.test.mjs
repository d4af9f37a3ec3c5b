// The package's `bin` (`procwright`): the same command as the Rust binary.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const BIN = join(root, pkg.bin.procwright)
// The server takes request bodies as JSON only.
const JSON_BODY = { 'content-type': 'application/json' }

test('the bin checks, runs, and passes exit codes through', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bin-'))
  writeFileSync(join(dir, 'procwright.toml'), '[services.web]\ncommand = "echo up; sleep 300"\nready = { log = "up" }\n')
  const check = spawnSync(BIN, ['check'], { cwd: dir, encoding: 'utf8' })
  assert.equal(check.status, 0, check.stderr)
  assert.match(check.stdout, /start order: web/)
  const run = spawnSync(BIN, ['run', '--', 'sh', '-c', 'exit 6'], { cwd: dir, encoding: 'utf8' })
  assert.equal(run.status, 6, run.stderr)
  writeFileSync(join(dir, 'procwright.toml'), '[services.a]\ncommand = ""\n')
  const bad = spawnSync(BIN, ['up'], { cwd: dir, encoding: 'utf8' })
  assert.equal(bad.status, 2)
  assert.match(bad.stderr, /procwright\.toml:2: service "a" field "command": the command is empty/)
})

test("the bin's run hands CMD the caller's stdin, stdout and stderr, pipes included", { timeout: 60_000 }, () => {
  // Node marks its stdio close-on-exec and may leave a pipe non-blocking: CMD must still
  // read stdin, and write more than a pipe holds to a reader that is not keeping up.
  const dir = mkdtempSync(join(tmpdir(), 'pw-bin-'))
  writeFileSync(join(dir, 'procwright.toml'), '[services.web]\ncommand = "echo up; sleep 300"\nready = { log = "up" }\n')
  const script = 'read line; echo "got $line"; echo to-stderr >&2; head -c 300000 /dev/zero | tr "\\0" x; echo; echo last'
  const run = spawnSync(BIN, ['run', '--', 'sh', '-c', script], {
    cwd: dir, input: 'from-stdin\n', encoding: 'utf8', maxBuffer: 1 << 22,
  })
  assert.equal(run.status, 0, run.stderr)
  assert.ok(run.stdout.startsWith('got from-stdin\n'), run.stdout.slice(0, 200))
  assert.ok(run.stdout.endsWith('\nlast\n'), run.stdout.slice(-200))
  assert.equal(run.stdout.length, 'got from-stdin\n'.length + 300_000 + '\nlast\n'.length)
  assert.match(run.stderr, /^to-stderr$/m)
})

test('the bin serves the REST API and stops on SIGTERM', { timeout: 60_000 }, async () => {
  const { spawn } = await import('node:child_process')
  const dir = mkdtempSync(join(tmpdir(), 'pw-serve-'))
  const server = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--root', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
  try {
    const addr = await new Promise((resolve, reject) => {
      let seen = ''
      server.stderr.on('data', (d) => {
        seen += d
        const m = /listening on http:\/\/(\S+)/.exec(seen)
        if (m) resolve(m[1])
      })
      server.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)))
    })
    const base = `http://${addr}/v1/sandboxes`
    const created = await fetch(base, { method: 'POST' })
    assert.equal(created.status, 201)
    const { id } = await created.json()
    const started = await fetch(`${base}/${id}/processes`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ command: ['sh', '-c', 'echo from node; sleep 300'] }) })
    const proc = await started.json()
    assert.equal(proc.state, 'running')
    const waited = await fetch(`${base}/${id}/processes/${proc.id}/wait`, { method: 'POST', headers: JSON_BODY, body: JSON.stringify({ log: 'from node', timeout_ms: 30000 }) })
    assert.equal((await waited.json()).line, 'from node')
    const exited = new Promise((resolve) => server.on('exit', resolve))
    server.kill('SIGTERM')
    assert.equal(await exited, 0)
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL')
  }
})

test('the bin stops on SIGINT too (Node\'s own handler does not get in the way)', { timeout: 60_000 }, async () => {
  const { spawn } = await import('node:child_process')
  const dir = mkdtempSync(join(tmpdir(), 'pw-serve-int-'))
  const server = spawn(BIN, ['serve', '--listen', '127.0.0.1:0', '--root', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
  try {
    await new Promise((resolve, reject) => {
      let seen = ''
      server.stderr.on('data', (d) => {
        seen += d
        if (/listening on/.test(seen)) resolve()
      })
      server.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)))
    })
    const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve([code, signal])))
    server.kill('SIGINT')
    assert.deepEqual(await exited, [0, null])
  } finally {
    if (server.exitCode === null) server.kill('SIGKILL')
  }
})
