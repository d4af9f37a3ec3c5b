// The TypeScript types: the declarations tsc emits from bindings-node/ts type-check
// against a use of the whole API (the seed examples' shapes), imported by the package's
// own name as a user would, with TypeScript from the dev dependencies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { ROOT } from './helpers.mjs'

const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

test('the emitted declarations describe the API', { timeout: 120_000, skip: !existsSync(tsc) && 'typescript is not installed' }, () => {
  // Inside the repo, so that 'procwright' resolves to this package (its exports' types).
  const dir = mkdtempSync(join(ROOT, 'tests', 'node', '.types-'))
  const file = join(dir, 'use.ts')
  writeFileSync(
    file,
    `
import { getSandbox, parseSSEStream, Sandbox, Process, SandboxError, ProcessReadyTimeoutError,
  type LogEvent, type ProcessStatus, type WaitForLogResult } from 'procwright'
async function main(): Promise<void> {
  const sandbox: Sandbox = getSandbox(undefined, 'my-sandbox')
  const other = new Sandbox({ cwd: '/tmp', env: { A: '1', B: undefined }, logLimit: 1024 })
  const process: Process = await sandbox.startProcess('npm run dev', {
    processId: 'dev', onOutput: (stream, data) => { const s: 'stdout' | 'stderr' = stream; void data },
    onExit: (code) => { const c: number | null = code }, onStart: (p) => { void p.id }, onError: (e) => { void e.code },
  })
  const id: string = process.id
  const pid: number | undefined = process.pid
  const status: ProcessStatus = process.status
  const start: Date = process.startTime
  const end: Date | undefined = process.endTime
  const r: WaitForLogResult = await process.waitForLog(/Port: (\\d+)/, 1000)
  const port: string | undefined = r.match?.[1]
  const named: string | undefined = r.match?.groups?.port
  await process.waitForPort(3000, { mode: 'tcp', path: '/health', status: { min: 200, max: 299 }, timeout: 30000 })
  await process.waitForPort(3000, { owned: true })
  await process.waitForPort(3000, { owned: 'auto', host: '::1' })
  const { exitCode } = await process.waitForExit(10000)
  const { stdout, stderr } = await process.getLogs()
  await process.kill('SIGKILL', { timeout: 100 })
  for await (const e of process.logs()) { const t: LogEvent['type'] = e.type; break }
  const stream: ReadableStream<Uint8Array> = await sandbox.streamProcessLogs(process.id)
  for await (const event of parseSSEStream(stream, AbortSignal.timeout(1000))) { void event.exitCode }
  const res = await sandbox.exec('ls', { cwd: '/', env: {}, stream: true, onOutput: (s, d) => {} })
  const ok: boolean = res.success
  const session = await sandbox.createSession({ id: 'u', env: { USER_ID: '1' } })
  await session.exec('echo $USER_ID')
  const n: number = await other.killAllProcesses()
  const maybe: Process | null = await sandbox.getProcess('x')
  try { await process.waitForExit(1) } catch (error) {
    if (error instanceof ProcessReadyTimeoutError) { const c: string | undefined = error.condition; const l: string[] = error.lastLines }
    if (error instanceof SandboxError && error.code === 'PROCESS_NOT_FOUND') {}
  }
  await sandbox.destroy()
  void [id, pid, status, start, end, port, named, exitCode, stdout, stderr, ok, n, maybe]
}
void main
// @ts-expect-error: waitForLog takes a string or a RegExp
void (null as unknown as Process).waitForLog(42)
`,
  )
  // A CommonJS user (`require`) gets the same declarations.
  const cjs = join(dir, 'use.cts')
  writeFileSync(
    cjs,
    `
import procwright = require('procwright')
const sandbox: procwright.Sandbox = procwright.getSandbox('cts')
async function main(): Promise<number | null> {
  const p: procwright.Process = await sandbox.startProcess(['true'])
  try { return (await p.waitForExit(1000)).exitCode } catch (e) { if (e instanceof procwright.SandboxError) return null; throw e }
}
void main
`,
  )
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom,dom.asynciterable', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', file, cjs], { encoding: 'utf8', cwd: ROOT })
  rmSync(dir, { recursive: true, force: true })
  assert.equal(r.status, 0, r.stdout + r.stderr)
})
