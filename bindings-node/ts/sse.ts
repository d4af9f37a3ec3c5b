// Server-sent events: the ReadableStream of `streamProcessLogs`, and `parseSSEStream`,
// which reads any SSE byte stream (ours, or a server's that writes CRLF) through
// eventsource-parser, so frames split anywhere across chunks are reassembled.

import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { convertError, invalid } from './errors'
import { abortSignal, describe } from './convert'
import type { NativeLogStream } from '../native/binding'
import type { LogEvent } from './logs'

/** A `ReadableStream<Uint8Array>` of `data: <json>\n\n` frames over a native stream. */
export function sseReadableStream(nativeStream: NativeLogStream, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let onAbort: (() => void) | undefined
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (signal === undefined) return
        onAbort = () => {
          nativeStream.close()
          controller.error(signal.reason)
        }
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      },
      async pull(controller) {
        let frame: string | null
        try {
          frame = await nativeStream.nextFrame()
        } catch (e) {
          controller.error(convertError(e))
          return
        }
        if (frame === null) {
          if (onAbort) signal?.removeEventListener('abort', onAbort)
          if (!signal?.aborted) controller.close()
          return
        }
        controller.enqueue(encoder.encode(frame))
      },
      cancel() {
        if (onAbort) signal?.removeEventListener('abort', onAbort)
        nativeStream.close()
      },
    },
    { highWaterMark: 0 },
  )
}

/** The JSON an event carries, or `undefined` for data that is not JSON (`[DONE]`). */
function parseData<T>(message: EventSourceMessage): { event: T } | undefined {
  try {
    return { event: JSON.parse(message.data) as T }
  } catch {
    return undefined
  }
}

/**
 * The events of a stream of SSE frames (`data: <json>` then a blank line), in order.
 * Comments, `id:`, `event:` and `retry:` lines are read and ignored; data that is not
 * JSON is skipped. An event still open when the stream ends cleanly is delivered (the
 * spec drops it, but a server that closes without the last blank line meant it).
 * An aborted `signal` cancels the stream and rejects with its reason.
 */
export async function* parseSSEStream<T = LogEvent>(
  stream: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  if (stream === null || typeof stream !== 'object' || typeof (stream as { getReader?: unknown }).getReader !== 'function') {
    throw invalid(`parseSSEStream needs a ReadableStream, got ${describe(stream)}`)
  }
  const abort = abortSignal(signal, 'signal')
  abort?.throwIfAborted()
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  const ready: T[] = []
  const parser = createParser({
    onEvent(message) {
      const parsed = parseData<T>(message)
      if (parsed !== undefined) ready.push(parsed.event)
    },
  })
  let onAbort: (() => void) | undefined
  const aborted =
    abort &&
    new Promise<never>((_, reject) => {
      onAbort = () => reject(abort.reason)
      abort.addEventListener('abort', onAbort, { once: true })
    })
  aborted?.catch(() => {})
  try {
    for (;;) {
      const { done, value } = await (aborted ? Promise.race([reader.read(), aborted]) : reader.read())
      if (done) break
      const chunk: unknown = value
      if (typeof chunk !== 'string' && !ArrayBuffer.isView(chunk) && !(chunk instanceof ArrayBuffer)) {
        throw invalid(`parseSSEStream reads bytes (Uint8Array) or strings, got a chunk of ${describe(chunk)}`)
      }
      parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk as ArrayBufferView, { stream: true }))
      while (ready.length > 0) {
        yield ready.shift() as T
        abort?.throwIfAborted()
      }
    }
    // Ends an open line and an open event (a pending bare CR becomes CRLF, then a
    // blank line): what the server sent before closing is delivered.
    parser.feed(decoder.decode() + '\n\n')
    while (ready.length > 0) yield ready.shift() as T
  } finally {
    if (onAbort) abort?.removeEventListener('abort', onAbort)
    reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}


