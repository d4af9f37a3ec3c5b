// parseSSEStream reads any SSE byte stream through eventsource-parser: frames split
// anywhere across chunks, CRLF (even split between chunks), multi-line data, comments,
// id:, event: and retry: lines.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseSSEStream } from '../../bindings-node/js/index.mjs'

/** A ReadableStream that yields `chunks` (strings encoded as UTF-8, or bytes). */
function streamOf(chunks) {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? encoder.encode(c) : c)
      controller.close()
    },
  })
}

async function collect(chunks) {
  const out = []
  for await (const e of parseSSEStream(streamOf(chunks))) out.push(e)
  return out
}

const A = { type: 'stdout', data: 'a\n', processId: 'p', timestamp: 't' }
const B = { type: 'exit', data: '', processId: 'p', timestamp: 't', exitCode: 0 }

// A two-line event: the old parser rewrote CRLF chunk by chunk, so a CR ending one
// chunk and its LF starting the next became two line ends, i.e. a blank line that cut
// the event after its first data line; neither half was JSON, and the event was lost.
const TWO_LINES = `data: {"type":"stdout",\r\ndata: "data":"a\\n","processId":"p","timestamp":"t"}\r\n\r\n`

test('CRLF frames, with the CR and the LF in different chunks, lose no event', async () => {
  const text = `${TWO_LINES}data: ${JSON.stringify(B)}\r\n\r\n`
  // Between the CR and the LF of: the first data line, the second, the blank line.
  for (const cut of [text.indexOf('\r\n') + 1, text.indexOf('\r\n\r\n') + 1, text.indexOf('\r\n\r\n') + 3]) {
    assert.deepEqual(await collect([text.slice(0, cut), text.slice(cut)]), [A, B], `cut at ${cut}`)
  }
})

test('split at every byte boundary, with CRLF, LF and bare CR line ends', async () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const text = `: hello${eol}id: 1${eol}event: log${eol}${TWO_LINES.replaceAll('\r\n', eol)}retry: 10${eol}data: ${JSON.stringify(B)}${eol}${eol}`
    const bytes = new TextEncoder().encode(text)
    for (let i = 0; i <= bytes.length; i++) {
      const got = await collect([bytes.slice(0, i), bytes.slice(i)])
      assert.deepEqual(got, [A, B], `eol ${JSON.stringify(eol)} cut at byte ${i}`)
    }
    // One byte per chunk: every boundary at once.
    assert.deepEqual(await collect([...bytes].map((b) => Uint8Array.of(b))), [A, B], `eol ${JSON.stringify(eol)} byte by byte`)
  }
})

test('multi-line data joins with newlines; comments, id and retry lines carry no event', async () => {
  const json = JSON.stringify({ x: 1, y: [2, 3] }, null, 2) // spans several lines
  const frame = json.split('\n').map((l) => `data: ${l}`).join('\n') + '\n\n'
  const got = await collect([': a comment\n\n', 'id: 7\nretry: 3000\n\n', frame])
  assert.deepEqual(got, [{ x: 1, y: [2, 3] }])
  // The same event written with CRLF and cut anywhere: a CR ending one chunk and its
  // LF starting the next must not split the event in two (each half then fails to
  // parse and the event is lost).
  const crlf = frame.replaceAll('\n', '\r\n')
  for (let i = 0; i <= crlf.length; i++) {
    assert.deepEqual(await collect([crlf.slice(0, i), crlf.slice(i)]), [{ x: 1, y: [2, 3] }], `cut at ${i}`)
  }
})

test('data that is not JSON ([DONE]) is skipped; a multi-byte character split across chunks survives', async () => {
  const ev = { type: 'stdout', data: 'héllo ✓\n', processId: 'p', timestamp: 't' }
  const bytes = new TextEncoder().encode(`data: [DONE]\n\ndata: ${JSON.stringify(ev)}\n\n`)
  const mid = bytes.indexOf(0xe2) + 1 // inside the 3-byte ✓
  assert.deepEqual(await collect([bytes.slice(0, mid), bytes.slice(mid)]), [ev])
})

test('an event left open when the stream ends is still delivered', async () => {
  // The spec drops it; a server that closes without the last blank line meant it.
  assert.deepEqual(await collect([`data: ${JSON.stringify(A)}\n\ndata: ${JSON.stringify(B)}`]), [A, B])
})
