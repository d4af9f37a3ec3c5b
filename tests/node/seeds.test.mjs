// Every example of the Cloudflare Sandbox SDK process documents this API follows, ported with only the import
// changed: `@cloudflare/sandbox` becomes `procwright`. Programs the examples name
// (npm run dev, postgres, python train.py...) are stood in for by small scripts that
// print what the real ones print; ports are picked free so suites can run side by side.
// Each example's `console` is a recorder, so its output can be checked.
import { test, describe, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync, appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { getSandbox, parseSSEStream, Sandbox } from 'procwright'
import { freePort, scratch, writeServer, sleep, until } from './helpers.mjs'

const HANG_GUARD = { timeout: 90_000 }

function recorder() {
  const lines = []
  const rec = (level) => (...args) => lines.push([level, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')])
  return { log: rec('log'), error: rec('error'), warn: rec('warn'), lines, text: () => lines.map((l) => l[1]).join('\n') }
}

// A Workers-style `env`, as the examples pass it to getSandbox.
const env = { SANDBOX: undefined, Sandbox: undefined }

after(async () => {
  for (const name of ['my-sandbox', 'temp', 'default']) await getSandbox(name).destroy()
})

describe('000: the Process API reference', () => {
  test('kill(), getStatus(), getLogs(), waitForLog, waitForPort, waitForExit', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeServer(dir)
    const sandbox = new Sandbox({ cwd: dir })
    const port = await freePort()
    {
      const process = await sandbox.startProcess(`node server.js`, { env: { PORT: String(port), EXTRA: 'Server started; Port: ' + port } })
      // waitForLog()
      {
        const result = await process.waitForLog('Server started', 30000)
        console.log('Found:', result.line)
      }
      {
        // With regex
        const result = await process.waitForLog(/Port: (\d+)/)
        console.log('Port:', result.match[1])
      }
      // waitForPort()
      await process.waitForPort(port) // HTTP check
      await process.waitForPort(port, { mode: 'tcp' }) // TCP check
      await process.waitForPort(port, {
        path: '/health',
        status: 200,
        timeout: 30000,
      })
      // getStatus()
      const status = await process.getStatus()
      console.log('Process status:', status)
      // getLogs()
      const { stdout, stderr } = await process.getLogs()
      console.log('Output:', stdout)
      console.error('Errors:', stderr)
      // kill()
      await process.kill() // SIGTERM (default)
      await process.kill('SIGKILL') // Force kill
      assert.equal(process.status, 'completed') // the server exits 0 on SIGTERM
    }
    {
      // waitForExit()
      const process = await sandbox.startProcess('sleep 0.2; exit 4')
      const { exitCode } = await process.waitForExit()
      console.log('Process exited with code:', exitCode)
      assert.equal(exitCode, 4)
    }
    {
      const process = await sandbox.startProcess('sleep 300')
      // With timeout
      try {
        await process.waitForExit(100)
      } catch (error) {
        console.error('Process did not exit within 10 seconds')
        assert.equal(error.code, 'PROCESS_READY_TIMEOUT')
      }
      assert.equal(process.status, 'running')
      await process.kill()
    }
    const out = console.text()
    assert.match(out, /Found: Server started; Port: \d+/)
    assert.match(out, new RegExp(`Port: ${port}`))
    assert.match(out, /Process status: running/)
    assert.match(out, new RegExp(`Output: Server listening on port ${port}`))
    assert.match(out, /Process exited with code: 4/)
    assert.match(out, /did not exit within/)
    await sandbox.destroy()
  })

  test('Example Usage: a web server watched by getSandbox(env.SANDBOX, name)', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeServer(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { dev: 'node server.js' } }))
    const port = await freePort()
    const sandbox = getSandbox(env.SANDBOX, 'my-sandbox')

    // Start a web server
    const process = await sandbox.startProcess('npm run dev', { cwd: dir, env: { PORT: String(port) } })
    console.log('Process ID:', process.id)
    console.log('PID:', process.pid)
    console.log('Status:', process.status)

    // Wait for server to be ready
    await process.waitForLog('Server listening')
    await process.waitForPort(port)
    console.log('Server is ready')

    // Monitor the process
    let checks = 0
    const timer = setInterval(async () => {
      checks++
      const status = await process.getStatus()
      if (status !== 'running') {
        console.error('Server stopped')
      }
    }, 50)
    await until(() => checks >= 3)
    clearInterval(timer)

    assert.equal(typeof process.pid, 'number')
    assert.match(console.text(), /Status: running/)
    assert.match(console.text(), /Server is ready/)
    assert.doesNotMatch(console.text(), /Server stopped/)
    await process.kill()
    assert.equal(getSandbox('my-sandbox'), sandbox)
  })

  test('Example: Training Job', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(
      join(dir, 'train.py'),
      'import time\nfor e in range(1, 101):\n    print(f"Epoch {e} complete", flush=True)\n    time.sleep(0.001)\n',
    )
    const sandbox = new Sandbox({ cwd: dir })
    const process = await sandbox.startProcess('python3 train.py')

    // Monitor progress
    let lastEpoch = 0
    while (true) {
      const result = await process.waitForLog(
        new RegExp(`Epoch (${lastEpoch + 1}) complete`), // each wait sees every kept line: ask for the next epoch
        60000,
      )
      const epoch = parseInt(result.match[1])
      lastEpoch = epoch
      if (epoch % 25 === 0) console.log(`Completed epoch ${epoch}`)
      if (epoch >= 100) break
    }

    // Wait for completion
    const { exitCode } = await process.waitForExit()
    if (exitCode === 0) {
      console.log('Training completed successfully')
    } else {
      const { stderr } = await process.getLogs()
      console.error('Training failed:', stderr)
    }
    assert.match(console.text(), /Completed epoch 100\nTraining completed successfully/)
    await sandbox.destroy()
  })

  test('Example: Health Check Pattern (healthy, then a crashing server)', HANG_GUARD, async () => {
    for (const crash of [undefined, 'no config']) {
      const console = recorder()
      const dir = scratch()
      writeServer(dir)
      writeFileSync(join(dir, 'server'), '#!/bin/sh\nexec node "$(dirname "$0")/server.js"\n', { mode: 0o755 })
      const port = await freePort()
      const sandbox = new Sandbox({ cwd: dir, env: { PORT: String(port), CRASH: crash } })
      const process = await sandbox.startProcess('./server')

      try {
        // Wait for server to be healthy
        await process.waitForPort(port, {
          path: '/health',
          timeout: 30000,
        })
        console.log('Server is healthy')
      } catch (error) {
        // Check if process crashed
        const status = await process.getStatus()
        if (status === 'failed' || status === 'error') {
          const { stderr } = await process.getLogs()
          console.error('Server failed to start:', stderr)
        } else {
          console.error('Server health check timeout')
        }
        await process.kill()
      }
      if (crash) assert.match(console.text(), /Server failed to start: fatal: no config/)
      else assert.match(console.text(), /Server is healthy/)
      await sandbox.destroy()
    }
  })
})

describe('001: the background processes guide', () => {
  test('python3 -m http.server, waitForPort, custom readiness checks', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(join(dir, 'health'), 'ok') // so that GET /health is a 200
    const port = await freePort()
    const sandbox = new Sandbox({ cwd: dir })

    // Start a simple HTTP server
    const process = await sandbox.startProcess(`python3 -m http.server ${port}`)
    console.log(`Process started with ID: ${process.id}`)
    console.log(`Status: ${process.status}`)

    const server = process
    // Wait for port to be ready (HTTP check)
    await server.waitForPort(port)
    console.log('Server is ready!')

    // Wait for HTTP 200 response
    await server.waitForPort(port, {
      mode: 'http',
      path: '/health',
      status: 200,
      timeout: 30000, // 30 second timeout
    })
    const res = await fetch(`http://127.0.0.1:${port}/health`)
    assert.equal(await res.text(), 'ok')
    assert.match(console.text(), /Status: running\nServer is ready!/)
    await sandbox.destroy()
  })

  test('process lifecycle: npm run build, getStatus, waitForExit', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'echo building && echo built' } }))
    const sandbox = new Sandbox({ cwd: dir })
    const process = await sandbox.startProcess('npm run build')

    // Check current status
    const status = await process.getStatus()
    console.log(`Process is ${status}`)

    // Wait for completion
    const result = await process.waitForExit()
    console.log(`Process exited with code ${result.exitCode}`)
    assert.match(console.text(), /Process is (running|completed)\nProcess exited with code 0/)
    assert.equal(process.status, 'completed')
    await sandbox.destroy()
  })

  test('streaming process logs with parseSSEStream', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ scripts: { watch: 'echo watching; echo warning >&2; echo rebuilt; exit 0' } }),
    )
    const sandbox = new Sandbox({ cwd: dir })
    const process = await sandbox.startProcess('npm run watch')

    // Stream logs
    const stream = await sandbox.streamProcessLogs(process.id)

    for await (const event of parseSSEStream(stream)) {
      switch (event.type) {
        case 'stdout':
          console.log('Output:', event.data)
          break
        case 'stderr':
          console.error('Error:', event.data)
          break
        case 'exit':
          console.log('Process exited:', event.exitCode)
          break
      }
    }
    const out = console.text()
    // npm's banner may arrive in the same read as the script's first line.
    assert.match(out, /Output: (?:(?!Error:)[^])*watching/)
    assert.match(out, /Error: warning/)
    assert.match(out, /rebuilt/)
    assert.equal(console.lines.at(-1)[1], 'Process exited: 0')
    await sandbox.destroy()
  })

  test('waiting for log patterns: node server.js', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeServer(dir)
    const port = await freePort()
    const sandbox = new Sandbox({ cwd: dir, env: { PORT: String(port) } })
    const server = await sandbox.startProcess('node server.js')

    // Wait for "Server listening" message
    const result = await server.waitForLog(/Server listening on port (\d+)/)

    console.log('Found:', result.line)
    console.log('Port:', result.match?.[1])
    assert.equal(result.match?.[1], String(port))
    assert.equal(result.stream, 'stdout')
    await sandbox.destroy()
  })

  test('pattern matching: a string, a regex with captures, a timeout', HANG_GUARD, async () => {
    const console = recorder()
    const sandbox = new Sandbox()
    const process = await sandbox.startProcess(
      'echo "Ready to accept connections"; sleep 0.1; echo "Database initialized in 42ms"; sleep 300',
    )
    // Simple string match
    await process.waitForLog('Ready to accept connections')

    // Regex with capture groups
    const result = await process.waitForLog(/Database initialized in (\d+)ms/)
    console.log(`Init time: ${result.match?.[1]}ms`)

    // With timeout
    try {
      await process.waitForLog('Started', 200)
    } catch (error) {
      console.error('Process did not start within 10 seconds')
      assert.equal(error.code, 'PROCESS_READY_TIMEOUT')
      assert.equal(error.condition, 'Started')
    }
    assert.match(console.text(), /Init time: 42ms\nProcess did not start/)
    assert.equal(process.status, 'running') // a timeout ends only the wait
    await sandbox.destroy()
  })

  test('stopping processes: kill(), kill("SIGKILL"), killProcess', HANG_GUARD, async () => {
    const sandbox = new Sandbox()
    {
      const process = await sandbox.startProcess('sleep 300') // long-running-task
      // Send SIGTERM (graceful shutdown)
      await process.kill()
      assert.equal(process.status, 'killed')
      assert.equal(process.signal, 'SIGTERM')
      assert.equal(process.exitCode, 143)
    }
    {
      const process = await sandbox.startProcess('trap "" TERM; sleep 300')
      // Send SIGKILL (immediate termination)
      await process.kill('SIGKILL')
      assert.equal(process.signal, 'SIGKILL')
    }
    {
      const process = await sandbox.startProcess('sleep 300')
      // Or use the sandbox method
      await sandbox.killProcess(process.id)
      assert.equal(process.status, 'killed')
    }
    await sandbox.destroy()
  })

  test('managing multiple processes: listProcesses, getProcess, killAllProcesses', HANG_GUARD, async () => {
    const console = recorder()
    const sandbox = new Sandbox()
    await sandbox.startProcess('sleep 300', { processId: 'a' })
    await sandbox.startProcess('sleep 300', { processId: 'process-id' })
    await (await sandbox.startProcess('exit 2', { processId: 'c' })).waitForExit()

    const processes = await sandbox.listProcesses()

    processes.forEach((proc) => {
      console.log(`${proc.id}: ${proc.command} (${proc.status})`)
    })
    {
      const process = await sandbox.getProcess('process-id')

      if (process) {
        console.log(`Status: ${process.status}`)
        if (process.exitCode !== undefined) {
          console.log(`Exit code: ${process.exitCode}`)
        }
      }
    }
    {
      const process = await sandbox.getProcess('c')
      if (process.exitCode !== undefined) console.log(`Exit code: ${process.exitCode}`)
    }
    assert.equal(await sandbox.getProcess('no-such-process'), null)

    // Kill all running processes
    const n = await sandbox.killAllProcesses()
    assert.equal(n, 2)
    assert.equal(
      console.text(),
      'a: sleep 300 (running)\nprocess-id: sleep 300 (running)\nc: exit 2 (failed)\nStatus: running\nExit code: 2',
    )
    for (const p of await sandbox.listProcesses()) assert.notEqual(p.status, 'running')
    await sandbox.destroy()
  })

  test('process options: processId, cwd, env, timeout, autoCleanup', HANG_GUARD, async () => {
    const root = scratch()
    mkdirSync(join(root, 'workspace', 'app'), { recursive: true })
    writeFileSync(join(root, 'workspace', 'app', 'server.js'), 'console.log(process.cwd(), process.env.PORT, process.env.NODE_ENV); setInterval(() => {}, 1000)')
    const sandbox = new Sandbox()
    const process = await sandbox.startProcess('node server.js', {
      processId: 'web-server', // Custom ID for later reference
      cwd: join(root, 'workspace', 'app'), // Working directory
      env: {
        PORT: '8000',
        NODE_ENV: 'production',
      },
      timeout: 300000, // Kill after 5 minutes
      autoCleanup: false, // Keep process record after exit
    })
    const { line } = await process.waitForLog('production')
    assert.equal(line, `${join(root, 'workspace', 'app')} 8000 production`)
    assert.equal(process.id, 'web-server')
    await process.kill()
    assert.ok(await sandbox.getProcess('web-server')) // autoCleanup: false keeps the record

    const short = await sandbox.startProcess('sleep 300', { timeout: 200, autoCleanup: true, processId: 'short' })
    const exit = await short.waitForExit()
    assert.equal(exit.status, 'killed')
    assert.ok(await until(async () => (await sandbox.getProcess('short')) === null))
    await sandbox.destroy()
  })

  test('common patterns: development server (waitForLog "Local: http")', HANG_GUARD, async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'dev.sh'), 'echo "  VITE v5.2.0  ready in 312 ms"\necho "  ➜  Local: http://localhost:5173/"\nexec sleep 300\n')
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { dev: 'sh dev.sh' } }))
    const sandbox = new Sandbox({ cwd: dir })
    // Start dev server with hot reload
    const server = await sandbox.startProcess('npm run dev', { processId: 'dev-server' })

    // Wait for it to be ready
    const r = await server.waitForLog('Local: http')
    assert.match(r.line, /localhost:5173/)
    assert.equal(r.match, null) // a string pattern has no match array
    await sandbox.destroy()
  })

  test('common patterns: build pipeline', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ scripts: { build: 'sh build.sh' } }),
    )
    writeFileSync(join(dir, 'build.sh'), 'echo "✓ 12 modules transformed."\nsleep 0.05\necho "rendering chunks..."\necho "✓ built in 1.2s"\n')
    const sandbox = new Sandbox({ cwd: dir })
    // Start build process
    const build = await sandbox.startProcess('npm run build')

    // Monitor progress
    const stream = await sandbox.streamProcessLogs(build.id)

    for await (const event of parseSSEStream(stream)) {
      if (event.type === 'stdout') {
        // Update build progress UI
        if (event.data.includes('✓')) {
          console.log('Build step completed:', event.data)
        }
      }
    }

    // Wait for completion
    const result = await build.waitForExit()

    if (result.exitCode === 0) {
      console.log('Build succeeded!')
    } else {
      console.error('Build failed')
    }
    const out = console.text()
    assert.match(out, /Build step completed: ✓ 12 modules transformed/)
    assert.match(out, /✓ built in 1.2s/)
    // events are chunks as read, so a ✓ line may share one with its neighbours
    assert.equal(console.lines.at(-1)[1], 'Build succeeded!')
    await sandbox.destroy()
  })

  test('common patterns: database initialization', HANG_GUARD, async () => {
    const console = recorder()
    const root = scratch()
    mkdirSync(join(root, 'workspace', 'migrations'), { recursive: true })
    mkdirSync(join(root, 'bin'))
    // "postgres" and "psql" stand-ins: the server prints the real ready line.
    writeFileSync(
      join(root, 'bin', 'postgres'),
      '#!/bin/sh\necho "LOG:  starting PostgreSQL"\nsleep 0.1\necho "LOG:  database system is ready to accept connections" >&2\nexec sleep 300\n',
      { mode: 0o755 },
    )
    writeFileSync(join(root, 'bin', 'psql'), '#!/bin/sh\necho "psql $*"\ncat "$2"\n', { mode: 0o755 })
    writeFileSync(join(root, 'workspace', 'migrations', 'init.sql'), 'CREATE TABLE t (id int);\n')
    const sandbox = new Sandbox({ cwd: root, env: { PATH: `${join(root, 'bin')}:${globalThis.process.env.PATH}` } })

    // Start database
    const db = await sandbox.startProcess(
      'postgres -D workspace/data', // '/workspace/data' in the seed: relative to the scratch root here
      { processId: 'postgres' },
    )

    // Wait for ready message
    await db.waitForLog('database system is ready to accept connections')

    // Run migrations
    const migration = await sandbox.exec('psql -f workspace/migrations/init.sql')

    console.log('Database ready!')
    assert.match(migration.stdout, /CREATE TABLE t/)
    assert.equal(migration.success, true)
    assert.match(console.text(), /Database ready!/)
    await sandbox.destroy()
  })

  test('common patterns: log monitoring with tail -f', HANG_GUARD, async () => {
    const console = recorder()
    const root = scratch()
    mkdirSync(join(root, 'workspace'))
    const log = join(root, 'workspace', 'app.log')
    writeFileSync(log, 'INFO boot\n')
    const sandbox = new Sandbox({ cwd: root })
    const alerts = []
    // The seed's loop runs for as long as tail does: the alert hook stops tail
    // once the error has been seen, which ends the stream with its exit event.
    const sendAlert = async (data) => {
      alerts.push(data)
      await sandbox.stopProcess('log-monitor')
    }

    // Tail application logs
    const tail = await sandbox.startProcess(
      'tail -f workspace/app.log', // '/workspace/app.log' in the seed
      { processId: 'log-monitor' },
    )
    setTimeout(() => appendFileSync(log, 'INFO request served\nERROR database unreachable\n'), 100)

    // Stream and filter logs
    const stream = await sandbox.streamProcessLogs(tail.id)

    for await (const event of parseSSEStream(stream)) {
      if (event.type === 'stdout') {
        // Alert on errors
        if (event.data.includes('ERROR')) {
          await sendAlert(event.data)
        }
      }
    }
    assert.equal(alerts.length, 1)
    assert.match(alerts[0], /ERROR database unreachable/)
    assert.equal(tail.status, 'killed')
    assert.equal(console.lines.length, 0)
    await sandbox.destroy()
  })

  test('error handling: a failing test run', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'echo "1 failing" >&2; exit 1' } }))
    const sandbox = new Sandbox({ cwd: dir })
    try {
      const process = await sandbox.startProcess('npm test')

      // Wait for completion with timeout
      const result = await process.waitForExit(60000)

      if (result.exitCode !== 0) {
        // Get error logs
        const logs = await process.getLogs()
        console.error('Tests failed:', logs.stderr)

        throw new Error(`Tests failed with exit code ${result.exitCode}`)
      }

      console.log('All tests passed!')
    } catch (error) {
      console.error('Test execution failed:', error.message)
    }
    assert.match(console.text(), /Tests failed: [^]*1 failing/)
    assert.match(console.text(), /Test execution failed: Tests failed with exit code 1/)
    await sandbox.destroy()
  })

  test('best practices: custom ids, timeouts, monitoring, cleanup', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeServer(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { build: 'sleep 300' } }))
    const port = await freePort()
    const sandbox = new Sandbox({ cwd: dir })

    // Use custom process IDs
    await sandbox.startProcess(`python3 -m http.server ${port}`, {
      processId: 'web-server',
    })

    // Later, easily retrieve it
    {
      const server = await sandbox.getProcess('web-server')
      assert.equal(server.command, `python3 -m http.server ${port}`)
      await server.kill()
    }

    // Set timeouts for finite tasks
    const build = await sandbox.startProcess('npm run build', {
      timeout: 300, // 5 minute max build time (300 ms here)
    })
    assert.equal((await build.waitForExit()).status, 'killed')

    // Monitor critical processes
    {
      const serverPort = await freePort()
      const server = await sandbox.startProcess('node server.js', { env: { PORT: String(serverPort) } })
      await server.waitForLog('Server listening')
      let restarted
      // Check health periodically
      const timer = setInterval(async () => {
        const status = await server.getStatus()

        if (status !== 'running' && !restarted) {
          console.error('Server died, restarting...')
          restarted = await sandbox.startProcess('node server.js', { env: { PORT: String(serverPort) } })
        }
      }, 30)
      await server.kill('SIGKILL')
      assert.ok(await until(() => restarted !== undefined))
      clearInterval(timer)
      await restarted.waitForLog('Server listening')
      assert.match(console.text(), /Server died, restarting/)
    }

    // Clean up processes
    try {
      const server = await sandbox.startProcess('node server.js', { env: { PORT: String(await freePort()) } })
      // Use server...
      await server.waitForLog('Server listening')
    } finally {
      await sandbox.killAllProcesses()
    }
    for (const p of await sandbox.listProcesses()) assert.notEqual(p.status, 'running')
    await sandbox.destroy()
  })
})

describe('002: the startProcess reference', () => {
  test('a web server, a custom id, output callbacks, environment variables', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeServer(dir)
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ scripts: { dev: 'sleep 300' } }))
    writeFileSync(join(dir, 'train.py'), 'print("epoch 1", flush=True)\nimport sys\nprint("warn", file=sys.stderr)\n')
    const port = await freePort()
    const sandbox = new Sandbox({ cwd: dir })
    {
      // Start a web server
      const process = await sandbox.startProcess(`python -m http.server ${port}`.replace(/^python /, 'python3 '))
      console.log('Server started:', process.id)
      await process.waitForPort(port)
    }
    {
      // Start with custom process ID
      const process = await sandbox.startProcess('npm run dev', { processId: 'dev-server' })
      assert.equal(process.id, 'dev-server')
    }
    {
      // Monitor process output
      let exited
      const done = new Promise((r) => (exited = r))
      const process = await sandbox.startProcess('python3 train.py', {
        onOutput: (stream, data) => {
          console.log(`[ ${stream} ]:`, data)
        },
        onExit: (code) => {
          console.log('Process exited with code:', code)
          exited()
        },
      })
      // A running process holds no ref on the event loop (callbacks are weak): a
      // pending wait does, and onExit has been queued by the time it resolves.
      await process.waitForExit()
      await done
      assert.equal(process.exitCode, 0)
      assert.match(console.text(), /\[ stdout \]: epoch 1/)
      assert.match(console.text(), /\[ stderr \]: warn/)
      assert.equal(console.lines.at(-1)[1], 'Process exited with code: 0')
    }
    {
      // Start with environment variables
      const process = await sandbox.startProcess('node server.js', {
        env: {
          PORT: String(await freePort()),
          NODE_ENV: 'production',
        },
      })
      await process.waitForLog('Server listening')
    }
    await sandbox.destroy()
  })
})

describe('003: the REST processes API, as library calls', () => {
  test('an argv command, polling logs for readiness, polling the list for the exit', HANG_GUARD, async () => {
    const console = recorder()
    const dir = scratch()
    writeFileSync(
      join(dir, 'dev.sh'),
      '#!/bin/sh\nsleep 0.2\necho "  VITE v5.2.0  ready in 312 ms"\necho "  ➜  Local:   http://localhost:3000/"\nsleep 300\n',
      { mode: 0o755 },
    )
    const sandbox = new Sandbox({ cwd: dir })
    const getProcessLogs = async (_sbxId, procId) => (await sandbox.getProcessLogs(procId)).stdout
    const listProcesses = async (_sbxId) => ({ processes: await sandbox.listProcesses() })
    const sbxId = 'sbx_local'

    // 等待 Vite 就绪
    async function waitForVite(sbxId, procId, maxWait = 30000) {
      const deadline = Date.now() + maxWait
      while (Date.now() < deadline) {
        const logs = await getProcessLogs(sbxId, procId)
        if (logs.includes('ready in')) return true
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error('Vite did not start in time')
    }
    // 等待进程退出并获取退出码
    async function waitForProcess(sbxId, procId) {
      while (true) {
        const res = await listProcesses(sbxId)
        const proc = res.processes.find((p) => p.id === procId)
        if (!proc) throw new Error('Process not found')
        if (proc.status !== 'running') return proc
        await new Promise((r) => setTimeout(r, 50))
      }
    }

    const dev = await sandbox.startProcess(['./dev.sh', '--host', '0.0.0.0'], { env: { PORT: '3000', NODE_ENV: 'development' } })
    assert.equal(dev.command, './dev.sh --host 0.0.0.0')
    assert.equal(await waitForVite(sbxId, dev.id), true)

    // 启动测试进程，等待退出，读取输出
    const proc = await sandbox.startProcess(['sh', '-c', 'echo "FAIL src/a.test.ts"; exit 1'])
    const result = await waitForProcess(sbxId, proc.id)
    if (result.exitCode !== 0) {
      const logs = await getProcessLogs(sbxId, proc.id)
      console.error('Tests failed:', logs)
    }
    assert.match(console.text(), /Tests failed: FAIL src\/a.test.ts/)

    // DELETE: stop it; an unknown id is a not-found error
    await sandbox.killProcess(dev.id)
    await assert.rejects(sandbox.killProcess('proc_missing'), { code: 'PROCESS_NOT_FOUND' })
    await sandbox.destroy()
  })
})

describe('004: the API reference (exec, processes, sessions, lifecycle, errors)', () => {
  test('command execution, with streaming', HANG_GUARD, async () => {
    const dir = scratch()
    mkdirSync(join(dir, 'project'))
    writeFileSync(join(dir, 'script.py'), 'print("hello from script")\n')
    writeFileSync(join(dir, 'project', 'test.py'), 'import os, sys\nprint("key", os.environ["API_KEY"], flush=True)\nprint("err", file=sys.stderr)\n')
    const sandbox = new Sandbox({ cwd: dir })
    const seen = { stdout: [], stderr: [] }
    const console = { log: (stream, d) => seen[stream].push(d) }

    // Basic
    const result = await sandbox.exec('python3 script.py')
    // Returns: { stdout, stderr, exitCode, success, duration }
    assert.equal(result.stdout, 'hello from script\n')
    assert.equal(result.stderr, '')
    assert.equal(result.exitCode, 0)
    assert.equal(result.success, true)
    assert.equal(typeof result.duration, 'number')

    // With options
    await sandbox.exec('python3 test.py', {
      cwd: join(dir, 'project'),
      env: { API_KEY: 'secret' },
      stream: true,
      onOutput: (stream, data) => console.log(stream, data),
    })
    // Every chunk arrives before exec resolves. The two pipes are read concurrently, so
    // chunks of stdout and stderr may interleave mid-line: compare each stream whole.
    assert.equal(seen.stdout.join(''), 'key secret\n')
    assert.equal(seen.stderr.join(''), 'err\n')
    await sandbox.destroy()
  })

  test('background processes: start, readiness, management', HANG_GUARD, async () => {
    const root = scratch()
    mkdirSync(join(root, 'workspace', 'public'), { recursive: true })
    writeFileSync(join(root, 'workspace', 'public', 'index.html'), '<h1>hi</h1>')
    const port = await freePort()
    const sandbox = new Sandbox()
    // Start
    const process = await sandbox.startProcess(`python3 -m http.server ${port}`, {
      processId: 'web-server',
      cwd: join(root, 'workspace', 'public'),
      env: { PORT: String(port) },
    })
    // Returns: { id, pid, command }
    assert.equal(process.id, 'web-server')
    assert.equal(typeof process.pid, 'number')

    // Wait for readiness
    await process.waitForPort(port) // Wait for port to listen
    await process.waitForLog(/Serving HTTP/) // Wait for log pattern (python's own line)
    assert.match(await (await fetch(`http://127.0.0.1:${port}/index.html`)).text(), /hi/)

    // Management
    const processes = await sandbox.listProcesses()
    assert.deepEqual(processes.map((p) => p.id), ['web-server'])
    const info = await sandbox.getProcess('web-server')
    assert.equal(info.status, 'running')
    await sandbox.stopProcess('web-server')
    const logs = await sandbox.getProcessLogs('web-server')
    assert.match(logs.stdout + logs.stderr, /Serving HTTP/)
    await process.waitForExit() // Wait for completion
    assert.equal(process.status, 'killed')
    await sandbox.destroy()
  })

  test('sessions (isolated contexts)', HANG_GUARD, async () => {
    const root = scratch()
    mkdirSync(join(root, 'workspace', 'user123'), { recursive: true })
    const sandbox = new Sandbox()

    // Create with context
    const session = await sandbox.createSession({
      id: 'user-123',
      cwd: join(root, 'workspace', 'user123'),
      env: { USER_ID: '123' },
    })

    // Use (full sandbox API)
    const r = await session.exec('echo $USER_ID')
    assert.equal(r.stdout, '123\n')
    assert.equal((await session.exec('pwd')).stdout.trim(), join(root, 'workspace', 'user123'))
    const p = await session.startProcess('sleep 300')
    assert.equal(p.sessionId, 'user-123')
    assert.deepEqual((await session.listProcesses()).map((x) => x.id), [p.id])
    const outside = await sandbox.startProcess('sleep 300')
    assert.equal(outside.sessionId, undefined)
    assert.equal(await session.getProcess(outside.id), null)
    const viaArg = await sandbox.startProcess('echo $USER_ID', {}, 'user-123')
    assert.equal((await viaArg.waitForLog('123')).line, '123')

    // Manage
    const again = await sandbox.getSession('user-123')
    assert.equal(again.id, 'user-123')
    await sandbox.deleteSession('user-123')
    assert.equal(p.status, 'killed') // deleting a session kills its processes
    assert.equal(outside.status, 'running')
    await assert.rejects(sandbox.getSession('user-123'), { code: 'SESSION_NOT_FOUND' })
    await sandbox.destroy()
  })

  test('lifecycle: getSandbox(env.Sandbox, "temp", {keepAlive}) then destroy()', HANG_GUARD, async () => {
    const code = 'print("result", 6 * 7)'
    const sandbox = getSandbox(env.Sandbox, 'temp', { keepAlive: true })
    let out
    try {
      writeFileSync('/tmp/procwright-code.py', code) // await sandbox.writeFile('/tmp/code.py', code)
      const result = await sandbox.exec('python3 /tmp/procwright-code.py')
      out = result.stdout
    } finally {
      await sandbox.destroy() // Free resources
    }
    assert.equal(out, 'result 42\n')
    assert.deepEqual(await sandbox.listProcesses(), [])
  })

  test('error handling: command errors and SDK errors by code', HANG_GUARD, async () => {
    const console = recorder()
    const sandbox = new Sandbox({ cwd: scratch() })
    // Command errors
    const result = await sandbox.exec('python3 invalid.py')
    if (!result.success) {
      console.error('Exit code:', result.exitCode)
      console.error('Stderr:', result.stderr)
    }
    assert.match(console.text(), /Exit code: 2\nStderr: .*invalid.py/)

    // SDK errors
    let handled
    try {
      await sandbox.getProcessLogs('/nonexistent')
    } catch (error) {
      if (error.code === 'PROCESS_NOT_FOUND') {
        handled = 'not found'
      } else if (error.code === 'CONTAINER_NOT_READY') {
        /* retry */
      } else if (error.code === 'TIMEOUT') {
        /* ... */
      }
    }
    assert.equal(handled, 'not found')
    await sandbox.destroy()
  })
})

test('a process seen by many handles shows one live record', HANG_GUARD, async () => {
  const sandbox = new Sandbox()
  const p = await sandbox.startProcess('sleep 0.2')
  const q = await sandbox.getProcess(p.id)
  assert.equal(q.status, 'running')
  await sleep(10)
  await p.waitForExit()
  assert.equal(q.status, 'completed') // never a stale cache
  assert.ok(q.endTime instanceof Date && q.endTime >= q.startTime)
  await sandbox.destroy()
})
