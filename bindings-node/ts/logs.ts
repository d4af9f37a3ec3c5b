// The events of one process as an async iterator: `Process.logs()`.

import { call } from './errors'
import type { NativeLogStream } from '../native/binding'

/** One log event; `exit` is always the last of a stream. */
export interface LogEvent {
  /** Which stream the data came from, or `exit`. */
  type: 'stdout' | 'stderr' | 'exit'
  /** A chunk of output decoded as UTF-8; empty for `exit`. */
  data: string
  /** The process it belongs to. */
  processId: string
  /** RFC 3339 with milliseconds, UTC. */
  timestamp: string
  /** For `exit`: the exit code. */
  exitCode?: number
}

/** Guards constructors users must not call. */
export const INTERNAL: unique symbol = Symbol('procwright.internal')

/** The events of one process; an early `break` (or `return()`) releases the subscription. */
export class LogEventIterator implements AsyncIterableIterator<LogEvent> {
  #stream: NativeLogStream
  #done = false

  /** @internal */
  constructor(token: typeof INTERNAL, stream: NativeLogStream) {
    if (token !== INTERNAL) throw new TypeError('LogEventIterator is returned by Process.logs()')
    this.#stream = stream
  }

  /** The next event; done after `exit`. */
  async next(): Promise<IteratorResult<LogEvent, undefined>> {
    if (this.#done) return { done: true, value: undefined }
    const json = await call(() => this.#stream.next())
    if (json === null || json === undefined) {
      this.#done = true
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
