// The events of one process as an async iterator: `Process.logs()`.

import { call } from './errors'
import type { NativeLogStream } from '../native/binding'

/** One log event; `exit` is always the last of a stream. */
export interface LogEvent {
  /**
   * Which stream the data came from; `truncated` when the log limit dropped output
   * between the reader and the next kept byte; `exit` last.
   */
  type: 'stdout' | 'stderr' | 'truncated' | 'restart' | 'exit'
  /** A chunk of output decoded as UTF-8; empty for `truncated` and `exit`. */
  data: string
  /** The process it belongs to. */
  processId: string
  /** RFC 3339 with milliseconds, UTC. */
  timestamp: string
  /** The position just after this event's data: `since` it resumes after it. */
  cursor: number
  /** For `exit` and `restart`: the exit code of the run that ended. */
  exitCode?: number
  /** For `truncated`: how many bytes were dropped. */
  dropped?: number
}

/** Options of `Process.logs()` and `streamProcessLogs()`. */
export interface LogStreamOptions {
  /** Start just after this cursor (from an event, a `getLogs` reply or a match). */
  since?: number
  /** Replay kept output first (default `true`); `false` starts at the live end. */
  replay?: boolean
  /** Follow live output until `exit` (default `true`); `false` ends after the kept output. */
  follow?: boolean
  /** Only `'stdout'` or only `'stderr'`. */
  stream?: 'stdout' | 'stderr'
  /** Aborting ends the stream (it throws the signal's reason) and releases it. */
  signal?: AbortSignal
}

/** Guards constructors users must not call. */
export const INTERNAL: unique symbol = Symbol('procwright.internal')

/** The events of one process; an early `break` (or `return()`) releases the subscription. */
export class LogEventIterator implements AsyncIterableIterator<LogEvent> {
  #stream: NativeLogStream
  #done = false
  #signal: AbortSignal | undefined

  /** @internal */
  constructor(token: typeof INTERNAL, stream: NativeLogStream, signal?: AbortSignal) {
    if (token !== INTERNAL) throw new TypeError('LogEventIterator is returned by Process.logs()')
    this.#stream = stream
    this.#signal = signal
    // An abort ends a pending read at once (it resolves as the end, then throws).
    signal?.addEventListener('abort', () => stream.close(), { once: true })
  }

  /** The next event; done after `exit`. Throws the signal's reason once aborted. */
  async next(): Promise<IteratorResult<LogEvent, undefined>> {
    if (this.#signal?.aborted) {
      this.#done = true
      this.#stream.close()
      throw this.#signal.reason
    }
    if (this.#done) return { done: true, value: undefined }
    const json = await call(() => this.#stream.next())
    if (json === null || json === undefined) {
      this.#done = true
      if (this.#signal?.aborted) throw this.#signal.reason
      return { done: true, value: undefined }
    }
    return { done: false, value: JSON.parse(json) as LogEvent }
  }

  /** Releases the subscription (what an early `break` calls). */
  async return(value?: unknown): Promise<IteratorResult<LogEvent, undefined>> {
    this.#done = true
    this.#stream.close()
    return { done: true, value: value as undefined }
  }

  /** Releases the subscription and rethrows `error`. */
  async throw(error?: unknown): Promise<IteratorResult<LogEvent, undefined>> {
    this.#done = true
    this.#stream.close()
    throw error
  }

  /** Whether the subscription has been released (after `exit`, `break` or `return()`). */
  get released(): boolean {
    return this.#stream.released
  }

  [Symbol.asyncIterator](): LogEventIterator {
    return this
  }
}
