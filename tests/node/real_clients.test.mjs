// The clients people already use, against the real `procwright` command (the npm bin):
// the official TypeScript MCP SDK in its default mode (its Ajv validates every
// structured result against the tool's output schema), and npm `eventsource`, a
// standard EventSource, against `procwright serve`'s event stream.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { EventSource } from 'eventsource'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const BIN = join(root, pkg.bin.procwright)

async function mcpClient() {
  const client = new Client({ name: 'procwright-test', version: '0' })
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], stderr: 'ignore' }))
  return client
}

test('the TypeScript MCP SDK connects, validates every schema, and runs the flow', { timeout: 60_000 }, async () => {
  const client = await mcpClient()
  try {
    const heard = []
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => heard.push(n.params))
    const { tools } = await client.listTools()
    for (const t of tools) {
      assert.equal(t.annotations?.openWorldHint, false, t.name)
      assert.doesNotMatch(JSON.stringify(t.inputSchema), /"format":"u?int/, t.name)
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]))
    assert.equal(byName.kill_process.annotations.destructiveHint, true)
    assert.equal(byName.read_logs.annotations.readOnlyHint, true)

    let r = await client.callTool({ name: 'start_process', arguments: { command: 'echo hello; sleep 30', process_id: 'w', wait_ms: 5000 } })
    assert.ok(!r.isError)
    assert.equal(r.structuredContent.output, 'hello\n')
    r = await client.callTool({ name: 'wait_for_log', arguments: { process_id: 'w', pattern: 'hel+o', regex: true } })
    assert.equal(r.structuredContent.line, 'hello')
    r = await client.callTool({ name: 'exec', arguments: { command: 'cat; echo $PW_X', env: { PW_X: 'y' }, input: 'a\n' } })
    assert.equal(r.structuredContent.stdout, 'a\ny\n')
    r = await client.callTool({ name: 'start_process', arguments: { command: 'wc -c', process_id: 'wc', stdin: true } })
    await client.callTool({ name: 'write_stdin', arguments: { process_id: 'wc', data: 'four' } })
    await client.callTool({ name: 'close_stdin', arguments: { process_id: 'wc' } })
    r = await client.callTool({ name: 'wait_for', arguments: { process_id: 'wc', exit: true, timeout_ms: 20_000 } })
    assert.equal(r.structuredContent.fired, 'exit')
    r = await client.callTool({ name: 'read_logs', arguments: { process_id: 'wc' } })
    assert.equal(r.structuredContent.output.trim(), '4')
    r = await client.callTool({ name: 'kill_process', arguments: { process_id: 'w' } })
    assert.equal(r.structuredContent.process.status, 'killed')
    // An unknown tool is a protocol error.
    await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), (e) => e.code === -32602)
    for (let i = 0; i < 100 && heard.length < 2; i++) await new Promise((res) => setTimeout(res, 50))
    assert.deepEqual(heard.map((h) => h.data.process_id).sort(), ['w', 'wc'])
  } finally {
    await client.close()
  }
})

/** A `procwright serve` on a free loopback port; its base URL and the child. */
async function serve() {
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] })
  // Read with a listener, not `for await`: leaving that loop would destroy the pipe, and
  // the server's next access-log line would meet EPIPE.
  const base = await new Promise((resolve, reject) => {
    let seen = ''
    child.stderr.on('data', (chunk) => {
      seen += chunk
      const m = /listening on (http:\/\/\S+)/.exec(seen)
      if (m) resolve(m[1])
    })
    child.on('close', () => reject(new Error(`serve did not start: ${seen}`)))
  })
  return { base, child }
}

const JSON_BODY = { 'content-type': 'application/json' }

test('a standard EventSource receives exactly one exit and stops', { timeout: 60_000 }, async () => {
  const { base, child } = await serve()
  try {
    const sbx = await (await fetch(`${base}/v1/sandboxes`, { method: 'POST' })).json()
    const started = await fetch(`${base}/v1/sandboxes/${sbx.id}/processes`, {
      method: 'POST', headers: JSON_BODY, body: JSON.stringify({ command: ['sh', '-c', 'echo one; echo two'] }),
    })
    const proc = await started.json()
    const url = `${base}/v1/sandboxes/${sbx.id}/processes/${proc.id}/events`
    const events = []
    const es = new EventSource(url)
    const closed = new Promise((resolve) => {
      es.onmessage = (m) => events.push(JSON.parse(m.data))
      // 204 on the reconnect after the exit: EventSource fails the connection for good.
      es.onerror = () => { if (es.readyState === EventSource.CLOSED) resolve() }
    })
    // Long enough for several reconnects (every 2 s): the old server replayed the exit
    // on each of them.
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 7_000))])
    const state = es.readyState
    es.close()
    assert.equal(state, EventSource.CLOSED, 'the EventSource stopped reconnecting')
    assert.equal(events.at(-1)?.type, 'exit')
    assert.equal(events.filter((e) => e.type === 'exit').length, 1)
    assert.equal(events.filter((e) => e.type === 'stdout').map((e) => e.data).join(''), 'one\ntwo\n')
  } finally {
    child.kill('SIGTERM')
    await once(child, 'close')
  }
})
