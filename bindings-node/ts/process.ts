// `Process`: a started process over the native handle. Fields are read live; the
// waits and `kill` are the core's.

import { call, convertError, invalid } from './errors'
import { abortable, abortSignal, describe, killTimeout, optionsObject, timeoutOptions } from './convert'
import { INTERNAL, LogEventIterator, type LogStreamOptions } from './logs'
import { NativeProcess, type NativeLogMatch, type NativePortOptions } from '../native/binding'

/** Where a process is in its life; `completed`, `failed`, `killed` and `error` are final. */
export type ProcessStatus = 'starting' | 'running' | 'restarting' | 'completed' | 'failed' | 'killed' | 'error'

/** A signal name with or without `SIG` (`'SIGTERM'`, `'term'`) or its number. */
export type SignalLike = string | number

/** Options of `Process.write`. */
export interface WriteOptions {
  /** Aborting ends the write (it rejects with the signal's reason); the process runs on. */
  signal?: AbortSignal
}

/** Options of `kill` and `killProcess`. */
export interface KillOptions {
  /** Milliseconds before SIGKILL follows a terminating signal; default 5000. */
  timeout?: number
}

/** A RegExp-like match: `match[0]` the whole match, `match[1]` the first group. */
export interface LogMatchArray extends Array<string | undefined> {
  index: number
  input: string
  groups: Record<string, string | undefined> | undefined
}

/** The line `waitForLog` found. */
export interface WaitForLogResult {
  /** The whole line, without its newline. */
  line: string
  /** For a RegExp pattern the match array, for a string `null`. */
  match: LogMatchArray | null
  /** The stream the line came from. */
  stream: 'stdout' | 'stderr'
  /** The position just after the line: `since` this finds the next match. */
  cursor: number
}

/** Options of `waitForLog` (a bare number is the timeout). */
export interface WaitForLogOptions {
  /** Milliseconds before it rejects with `ProcessReadyTimeoutError`; by default none. */
  timeout?: number
  /** Resolve on the Nth matching line (default 1); a line counts once. */
  times?: number
  /** Only lines of `'stdout'` or of `'stderr'`. */
  stream?: 'stdout' | 'stderr'
  /** Read from this cursor, or `'now'` to ignore the output kept so far. */
  since?: number | 'now'
  /** Aborting ends the wait (it rejects with the signal's reason); the process runs on. */
  signal?: AbortSignal
}

/** Options of `waitForExit` (a bare number is the timeout). */
export interface WaitForExitOptions {
  /** Milliseconds before it rejects with `ProcessReadyTimeoutError`; by default none. */
  timeout?: number
  /** Aborting ends the wait (it rejects with the signal's reason); the process runs on. */
  signal?: AbortSignal
}

/** Options of `getLogs` and `getProcessLogs`. */
export interface GetLogsOptions {
  /** Only output after this cursor (from a previous reply, an event or a match). */
  since?: number
  /** Only the last N lines (of both streams together, in the order they were read). */
  tail?: number
  /** Only `'stdout'` or only `'stderr'` (the other comes back empty). */
  stream?: 'stdout' | 'stderr'
  /** At most this many bytes, the newest. */
  maxBytes?: number
}

/** Options of `waitForPort`. */
export interface WaitForPortOptions {
  /** `'http'` (default: GET `path`, ready on an accepted status) or `'tcp'`. */
  mode?: 'http' | 'tcp'
  /** HTTP path, default `/`. */
  path?: string
  /** Accepted status: a number or `{min, max}`; default 200–399. */
  status?: number | { min?: number; max?: number }
  /** Milliseconds before it rejects with `ProcessReadyTimeoutError`; by default none. */
  timeout?: number
  /** Milliseconds between probes. */
  interval?: number
  /** Host to probe; by default both 127.0.0.1 and ::1. */
  host?: string
  /**
   * Whose listener makes it ready: `true` only the process's or a descendant's;
   * `false` any; `'auto'` (default) any but a stale server's, i.e. one held by a
   * process outside the tree that started before this process.
   */
  owned?: boolean | 'auto'
  /** Aborting ends the wait (it rejects with the signal's reason); the process runs on. */
  signal?: AbortSignal
}

/** Options of `waitForPort()` without a port: nothing is probed, so only these apply. */
export interface WaitForAnyPortOptions {
  /** Milliseconds before it rejects with `ProcessReadyTimeoutError`; by default none. */
  timeout?: number
  /** Milliseconds between reads of the socket table (default 10). */
  interval?: number
  /** Aborting ends the wait (it rejects with the signal's reason); the process runs on. */
  signal?: AbortSignal
}

/** A TCP socket in LISTEN state held by a process tree. */
export interface ListeningPort {
  /** The port. */
  port: number
  /** The address it is bound to: `'0.0.0.0'` or `'::'` for every address. */
  host: string
  /** `'ipv4'` or `'ipv6'` (a dual-stack `'::'` socket serves IPv4 too). */
  family: 'ipv4' | 'ipv6'
  /** The OS pid of the process holding it. */
  pid: number
  /** The started process whose tree holds it. */
  processId: string
}

/** How a process ended. */
export interface WaitForExitResult {
  /** `null` when a signal ended it, or it never started. */
  exitCode: number | null
  /** The signal that ended it, e.g. `'SIGKILL'`, or `null`. */
  signal: string | null
  /** The final status. */
  status: ProcessStatus
}

/** The output a process kept, per stream. */
export interface ProcessLogs {
  /** Kept stdout, decoded as UTF-8. */
  stdout: string
  /** Kept stderr, decoded as UTF-8. */
  stderr: string
  /** Bytes of stdout dropped (oldest first) to stay within `logLimit`. */
  stdoutDropped: number
  /** Bytes of stderr dropped (oldest first) to stay within `logLimit`. */
  stderrDropped: number
  /** Where to continue from: `getLogs({since: cursor})` returns only newer output. */
  cursor: number
  /** Whether `logLimit` dropped output inside the window asked for. */
  truncated: boolean
}

function matchArray(m: NativeLogMatch): LogMatchArray | null {
  if (m.match === undefined || m.match === null) return null
  const arr = m.match.map((g) => (g === null ? undefined : g)) as LogMatchArray
  arr.index = m.index
  arr.input = m.line
  arr.groups =
    m.groups == null
      ? undefined
      : Object.assign(
          Object.create(null) as Record<string, string | undefined>,
          Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, v ?? undefined])),
        )
  return arr
}

/** A started process; its fields are always current. */
export class Process {
  #native: NativeProcess

  /** @internal */
  constructor(token: typeof INTERNAL, nativeProcess: NativeProcess) {
    if (token !== INTERNAL || !(nativeProcess instanceof NativeProcess)) {
      throw new TypeError('Process objects are returned by startProcess(), getProcess() and listProcesses()')
    }
    this.#native = nativeProcess
  }

  /** The process id (`processId`, or a generated `proc_…`). */
  get id(): string {
    return this.#native.id
  }
  /** The OS pid; `undefined` before it started or if it never did. */
  get pid(): number | undefined {
    return this.#native.pid ?? undefined
  }
  /** The command: a shell string as given, an argv shell-quoted and joined with spaces. */
  get command(): string {
    return this.#native.command
  }
  /** The status now. */
  get status(): ProcessStatus {
    return this.#native.status as ProcessStatus
  }
  /** When it was started. */
  get startTime(): Date {
    return new Date(this.#native.startTimeMs)
  }
  /** When it ended; `undefined` while it runs. */
  get endTime(): Date | undefined {
    const t = this.#native.endTimeMs
    return t === null || t === undefined ? undefined : new Date(t)
  }
  /** The exit code; `undefined` while it runs or when a signal ended it. */
  get exitCode(): number | undefined {
    return this.#native.exitCode ?? undefined
  }
  /** The signal that ended it, e.g. `'SIGKILL'`. */
  get signal(): string | undefined {
    return this.#native.signal ?? undefined
  }
  /** The session it was started in, if any. */
  get sessionId(): string | undefined {
    return this.#native.sessionId ?? undefined
  }
  /** How many times the restart policy started it again. */
  get restarts(): number {
    return this.#native.restarts
  }

  /**
   * Signals the whole process group while any member lives, even after the process
   * itself exited; terminating signals resolve once none is left.
   */
  async kill(signal?: SignalLike, options?: KillOptions): Promise<void> {
    await call(() => this.#native.kill(signal ?? null, killTimeout(options)))
  }

  /**
   * Writes to the stdin pipe (`startProcess(cmd, {stdin: 'pipe'})`); resolves once the
   * pipe took all of it, so a slow reader holds the write back. Rejects with
   * `ProcessError` without a pipe, after `closeStdin`, after the process ended, or
   * when it closed its stdin (EPIPE).
   */
  async write(data: string | Uint8Array, options?: WriteOptions): Promise<void> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw invalid(`data must be a string or a Uint8Array, got ${describe(data)}`)
    }
    const signal = abortSignal(optionsObject('write options', options).signal, 'options.signal')
    await abortable(signal, (cancel) => call(() => this.#native.write(data, cancel)))
  }

  /** Resizes the terminal of a process started with `pty` (it gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    for (const [name, v] of [['cols', cols], ['rows', rows]] as const) {
      if (typeof v !== 'number') throw invalid(`resize: ${name} must be a number, got ${describe(v)}`)
    }
    try {
      this.#native.resize(cols, rows)
    } catch (e) {
      throw convertError(e)
    }
  }

  /** Closes the stdin pipe (on a terminal, types Ctrl-D): the process reads end of file. */
  async closeStdin(): Promise<void> {
    await call(() => this.#native.closeStdin())
  }

  // What the handle already knows resolves without a trip through the runtime.
  /** The status now. */
  async getStatus(): Promise<ProcessStatus> {
    return this.#native.status as ProcessStatus
  }

  /**
   * The output kept so far, with the `cursor` to continue from: only after `since`,
   * only the last `tail` lines, only one `stream`, at most the newest `maxBytes`.
   */
  async getLogs(options?: GetLogsOptions): Promise<ProcessLogs> {
    return call(() => this.#native.logs(optionsObject('getLogs options', options)))
  }

  /**
   * Waits for a line of stdout or stderr that matches `pattern`: the `times`-th, of one
   * `stream`, from a cursor or from `'now'`. A number as second argument is the timeout.
   */
  async waitForLog(pattern: string | RegExp, timeoutOrOptions?: number | WaitForLogOptions): Promise<WaitForLogResult> {
    const { signal, ...o } = timeoutOptions('waitForLog options', timeoutOrOptions)
    const m = await abortable(abortSignal(signal, 'options.signal'), (cancel) =>
      call(() => this.#native.waitForLog(pattern, o, cancel)),
    )
    return { line: m.line, match: matchArray(m), stream: m.stream as 'stdout' | 'stderr', cursor: m.cursor }
  }

  /** Waits until `port` answers HTTP with an accepted status, or accepts (`tcp`). */
  waitForPort(port: number, options?: WaitForPortOptions): Promise<void>
  /**
   * Without a port: waits until the process tree (the process, its descendants, and
   * what carries its tag) listens on any TCP port, and resolves with `{port}`.
   */
  waitForPort(options?: WaitForAnyPortOptions): Promise<{ port: number }>
  async waitForPort(
    portOrOptions?: number | WaitForAnyPortOptions,
    options?: WaitForPortOptions,
  ): Promise<void | { port: number }> {
    if (portOrOptions === undefined || (typeof portOrOptions === 'object' && portOrOptions !== null)) {
      const { signal, ...o } = optionsObject('waitForPort options', portOrOptions ?? options)
      const port = await abortable(abortSignal(signal, 'options.signal'), (cancel) =>
        call(() => this.#native.waitForAnyPort(o as NativePortOptions, cancel)),
      )
      return { port }
    }
    const { signal, ...o } = optionsObject('waitForPort options', options)
    await abortable(abortSignal(signal, 'options.signal'), (cancel) =>
      call(() => this.#native.waitForPort(portOrOptions as number, o as NativePortOptions, cancel)),
    )
  }

  /** The TCP sockets in LISTEN state the process tree holds. */
  async getPorts(): Promise<ListeningPort[]> {
    return (await call(() => this.#native.getPorts())) as ListeningPort[]
  }

  /** Waits for the process to end; resolves at once for an ended process. */
  async waitForExit(timeoutOrOptions?: number | WaitForExitOptions): Promise<WaitForExitResult> {
    const { signal, timeout } = timeoutOptions('waitForExit options', timeoutOrOptions)
    const e = await abortable(abortSignal(signal, 'options.signal'), (cancel) =>
      call(() => this.#native.waitForExit((timeout as number | undefined) ?? null, cancel)),
    )
    return { exitCode: e.exitCode ?? null, signal: e.signal ?? null, status: e.status as ProcessStatus }
  }

  /**
   * Kept output first (from `since`; none with `replay: false`), then live output
   * (none with `follow: false`), then `exit` last.
   */
  logs(options?: LogStreamOptions): LogEventIterator {
    const { signal, ...o } = optionsObject('logs options', options)
    const s = abortSignal(signal, 'options.signal')
    s?.throwIfAborted()
    try {
      return new LogEventIterator(INTERNAL, this.#native.streamLogs(o), s)
    } catch (e) {
      throw convertError(e)
    }
  }

  /** The fields as a plain object, for `JSON.stringify` and logs. */
  toJSON(): Record<string, unknown> {
    return {
      id: this.id,
      pid: this.pid,
      command: this.command,
      status: this.status,
      startTime: this.startTime,
      endTime: this.endTime,
      exitCode: this.exitCode,
      signal: this.signal,
      sessionId: this.sessionId,
      restarts: this.restarts,
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Process ${JSON.stringify(this.toJSON())}`
  }
}
