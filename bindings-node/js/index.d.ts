// Public types of the `procwright` package. The native layer's types are generated
// by napi-rs into ../native/binding.d.ts; this file refines them where generation
// is vague (status unions, RegExp match arrays, callbacks, streams, error classes).
// Times are in milliseconds.

export type ProcessStatus = 'starting' | 'running' | 'completed' | 'failed' | 'killed' | 'error'

/** A signal name with or without `SIG` (`'SIGTERM'`, `'term'`) or its number. */
export type SignalLike = string | number

export interface SandboxOptions {
  /** Working directory for processes that name none. */
  cwd?: string
  /** Environment changes for every process; `undefined` removes a variable. */
  env?: Record<string, string | null | undefined> | Map<string, string | null | undefined>
  /** Shell for string commands; default `bash` where found, else `/bin/sh`. */
  shell?: string
  /** Bytes kept in memory per stream per process; default 16 MiB. */
  logLimit?: number
  /** Where to write one merged `proc-<id>.log` per process (rotated at 10 MiB). */
  logDir?: string
}

export interface ProcessOptions {
  /** Custom process id for later reference; by default a unique `proc_…` id. */
  processId?: string
  /** Working directory; relative paths resolve against the session's or sandbox's. */
  cwd?: string
  /** Environment changes over the sandbox's and session's; `undefined` removes a variable. */
  env?: Record<string, string | null | undefined> | Map<string, string | null | undefined>
  /** Kill the process (SIGTERM, then SIGKILL) after this many milliseconds. */
  timeout?: number
  /** When `timeout` fires, milliseconds between SIGTERM and SIGKILL; default 5000. */
  killTimeout?: number
  /** Forget the record once the process has ended. */
  autoCleanup?: boolean
  /** The session to start it in (as the third argument of `startProcess`). */
  sessionId?: string
  /** The process is running. */
  onStart?: (process: Process) => void | Promise<void>
  /** A chunk of output, decoded as UTF-8. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void | Promise<void>
  /** The process ended; `null` if it never started. */
  onExit?: (code: number | null) => void | Promise<void>
  /** The process could not be started. */
  onError?: (error: SandboxError) => void | Promise<void>
}

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

export interface WaitForLogResult {
  /** The whole line, without its newline. */
  line: string
  /** For a RegExp pattern the match array, for a string `null`. */
  match: LogMatchArray | null
  stream: 'stdout' | 'stderr'
}

export interface WaitForPortOptions {
  /** `'http'` (default: GET `path`, ready on an accepted status) or `'tcp'`. */
  mode?: 'http' | 'tcp'
  /** HTTP path, default `/`. */
  path?: string
  /** Accepted status: a number or `{min, max}`; default 200–399. */
  status?: number | { min?: number; max?: number }
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
}

export interface WaitForExitResult {
  exitCode: number | null
  signal: string | null
  status: ProcessStatus
}

export interface ProcessLogs {
  stdout: string
  stderr: string
  /** Bytes of stdout dropped (oldest first) to stay within `logLimit`. */
  stdoutDropped: number
  /** Bytes of stderr dropped (oldest first) to stay within `logLimit`. */
  stderrDropped: number
}

export interface LogEvent {
  type: 'stdout' | 'stderr' | 'exit'
  data: string
  processId: string
  /** RFC 3339 with milliseconds, UTC. */
  timestamp: string
  /** For `exit`: the exit code. */
  exitCode?: number
}

export interface ExecOptions {
  cwd?: string
  env?: Record<string, string | null | undefined> | Map<string, string | null | undefined>
  /** Kill the command and reject with PROCESS_READY_TIMEOUT after this many milliseconds. */
  timeout?: number
  /** When `timeout` fires, milliseconds between SIGTERM and SIGKILL; default 5000. */
  killTimeout?: number
  /** Bytes of each stream kept for the result (the newest); default 100 MiB. */
  maxBuffer?: number
  /** Accepted for compatibility; output streams to `onOutput` whenever it is given. */
  stream?: boolean
  /** Each chunk of output, all delivered before the Promise settles. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void | Promise<void>
}

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number
  success: boolean
  /** Milliseconds. */
  duration: number
  command: string
  /** Whether output beyond `maxBuffer` was dropped (never silently). */
  truncated: boolean
  /** Bytes of stdout dropped from the front to stay within `maxBuffer`. */
  stdoutDropped: number
  /** Bytes of stderr dropped from the front to stay within `maxBuffer`. */
  stderrDropped: number
}

export interface SessionOptions {
  id?: string
  cwd?: string
  env?: Record<string, string | null | undefined> | Map<string, string | null | undefined>
}

export interface StreamProcessLogsOptions {
  /** Aborting errors the stream with the signal's reason and releases it. */
  signal?: AbortSignal
}

/** The events of one process; an early `break` (or `return()`) releases the subscription. */
export declare class LogEventIterator implements AsyncIterableIterator<LogEvent> {
  private constructor()
  next(): Promise<IteratorResult<LogEvent, undefined>>
  return(value?: unknown): Promise<IteratorResult<LogEvent, undefined>>
  throw(error?: unknown): Promise<IteratorResult<LogEvent, undefined>>
  /** Whether the subscription has been released. */
  readonly released: boolean
  [Symbol.asyncIterator](): LogEventIterator
}

/** A started process; its fields are always current. */
export declare class Process {
  private constructor()
  readonly id: string
  readonly pid: number | undefined
  readonly command: string
  readonly status: ProcessStatus
  readonly startTime: Date
  readonly endTime: Date | undefined
  readonly exitCode: number | undefined
  /** The signal that ended it, e.g. `'SIGKILL'`. */
  readonly signal: string | undefined
  readonly sessionId: string | undefined
  /**
   * Signals the whole process group while any member lives, even after the process
   * itself exited; terminating signals resolve once none is left.
   */
  kill(signal?: SignalLike, options?: KillOptions): Promise<void>
  getStatus(): Promise<ProcessStatus>
  getLogs(): Promise<ProcessLogs>
  waitForLog(pattern: string | RegExp, timeout?: number): Promise<WaitForLogResult>
  waitForPort(port: number, options?: WaitForPortOptions): Promise<void>
  waitForExit(timeout?: number): Promise<WaitForExitResult>
  /** Retained output first, then live output, then `exit` last. */
  logs(): LogEventIterator
  toJSON(): Record<string, unknown>
}

/** The process methods a sandbox and a session share. */
declare class ProcessManager {
  protected constructor()
  /** A string runs in the shell (`bash -c`); an array is an argv run directly. */
  startProcess(command: string | string[], options?: ProcessOptions, sessionId?: string): Promise<Process>
  listProcesses(): Promise<Process[]>
  getProcess(id: string): Promise<Process | null>
  killProcess(id: string, signal?: SignalLike, options?: KillOptions): Promise<void>
  stopProcess(id: string): Promise<void>
  /** Kills every process, and what is left of the groups of ended ones; resolves with how many it signalled. */
  killAllProcesses(): Promise<number>
  getProcessLogs(id: string): Promise<ProcessLogs>
  /** A stream of SSE frames (`data: <json>\n\n`); read it with `parseSSEStream`. */
  streamProcessLogs(id: string, options?: StreamProcessLogsOptions): Promise<ReadableStream<Uint8Array>>
  exec(command: string | string[], options?: ExecOptions): Promise<ExecResult>
}

/** An isolated context: its own env, cwd and process list. */
export declare class Session extends ProcessManager {
  private constructor()
  readonly id: string
}
export { Session as ExecutionSession }

export declare class Sandbox extends ProcessManager {
  constructor(options?: SandboxOptions)
  createSession(options?: SessionOptions): Promise<Session>
  getSession(id: string): Promise<Session>
  /** Kills the session's processes and forgets it. */
  deleteSession(id: string): Promise<void>
  /** Kills everything and forgets every record and session. */
  destroy(): Promise<void>
}

/** The one shared sandbox for `name` (default `"default"`). */
export declare function getSandbox(name?: string): Sandbox
/** The Cloudflare form: the binding is ignored, `name` picks the shared sandbox. */
export declare function getSandbox(binding: unknown, name: string, options?: unknown): Sandbox

/** Events from a stream of SSE frames; an aborted `signal` rejects with its reason. */
export declare function parseSSEStream<T = LogEvent>(
  stream: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined>

export type ErrorCode =
  | 'PROCESS_NOT_FOUND'
  | 'PROCESS_READY_TIMEOUT'
  | 'PROCESS_EXITED_BEFORE_READY'
  | 'PROCESS_ERROR'
  | 'PROCESS_ID_IN_USE'
  | 'INVALID_COMMAND'
  | 'INVALID_PATTERN'
  | 'INVALID_ARGUMENT'
  | 'SESSION_ALREADY_EXISTS'
  | 'SESSION_NOT_FOUND'

export interface SandboxErrorOptions {
  code?: string
  processId?: string
  exitCode?: number
  condition?: string
  lastLines?: string[]
  cause?: unknown
}

export declare class SandboxError extends Error {
  constructor(message?: string, options?: SandboxErrorOptions)
  readonly code: ErrorCode | string
  /** The process concerned, where there is one. */
  readonly processId: string | undefined
  /** The exit code of a process that ended before it was ready. */
  readonly exitCode: number | undefined
  /** The awaited condition, e.g. `Server ready`, `/port \d+/`, `port 3000 (HTTP /)`. */
  readonly condition: string | undefined
  /** The last lines of output, oldest first. */
  readonly lastLines: string[]
}
export declare class ProcessNotFoundError extends SandboxError {
  readonly code: 'PROCESS_NOT_FOUND'
}
export declare class ProcessReadyTimeoutError extends SandboxError {
  readonly code: 'PROCESS_READY_TIMEOUT'
}
export declare class ProcessExitedBeforeReadyError extends SandboxError {
  readonly code: 'PROCESS_EXITED_BEFORE_READY'
}
export declare class ProcessError extends SandboxError {
  readonly code: 'PROCESS_ERROR'
}
export declare class InvalidArgumentError extends SandboxError {
  readonly code: 'PROCESS_ID_IN_USE' | 'INVALID_COMMAND' | 'INVALID_PATTERN' | 'INVALID_ARGUMENT'
}
export declare class SessionError extends SandboxError {
  readonly code: 'SESSION_ALREADY_EXISTS' | 'SESSION_NOT_FOUND'
}
