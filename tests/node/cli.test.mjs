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
