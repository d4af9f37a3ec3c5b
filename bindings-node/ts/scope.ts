// `ProcessScope`: the process methods a Sandbox and a Session share, over the core's
// scope (the whole sandbox, or one session).

import { call, convertError, type SandboxError } from './errors'
import { abortSignal, callback, command, env, killTimeout, optionalNumber, optionsObject, type EnvLike } from './convert'
import { invoke, processDispatcher, type NativeEvent, type ProcessCallbacks } from './callbacks'
import { INTERNAL } from './logs'
import { Process, type ListeningPort, type GetLogsOptions, type ProcessLogs, type SignalLike, type KillOptions } from './process'
import { sseReadableStream } from './sse'
import type {
  NativeBackoff,
  NativeExecResult,
  NativeProcessOptions,
  NativeRestartOptions,
  NativeScope,
} from '../native/binding'

/** Options of `startProcess`. */
export interface ProcessOptions {
  /** Custom process id for later reference; by default a unique `proc_…` id. */
  processId?: string
  /** Working directory; relative paths resolve against the session's or sandbox's. */
  cwd?: string
  /** Environment changes over the sandbox's and session's; `undefined` removes a variable. */
  env?: EnvLike
  /** Kill the process (SIGTERM, then SIGKILL) after this many milliseconds. */
  timeout?: number
  /** When `timeout` fires, milliseconds between SIGTERM and SIGKILL; default 5000. */
  killTimeout?: number
  /** Forget the record once the process has ended. */
  autoCleanup?: boolean
  /** The session to start it in (as the third argument of `startProcess`). */
  sessionId?: string
  /** `'pipe'` for a stdin to `write` to; default `'ignore'` (`/dev/null`). */
  stdin?: 'pipe' | 'ignore'
  /**
   * Run on a pseudo-terminal (`cols`×`rows`, default 80×24): the process sees a TTY,
   * its output arrives as `stdout`, `write` is its keyboard (`'\x03'` is Ctrl-C).
   */
  pty?: { cols?: number; rows?: number }
  /**
   * Start it again when it ends: `'on-failure'` (a non-zero exit, or a signal not sent
   * by `kill`), `'always'`, or `'no'` (default), or the options with exponential
   * backoff. The process keeps its id and its log; `restarts` counts; its status is
   * `'restarting'` between runs; `kill`, `stop` and `destroy` end it.
   */
  restart?: 'no' | 'on-failure' | 'always' | RestartOptions
  /** The process is running. */
  onStart?: (process: Process) => void | Promise<void>
  /** A chunk of output, decoded as UTF-8. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void | Promise<void>
  /** The process ended; `null` if it never started. */
  onExit?: (code: number | null) => void | Promise<void>
  /** The process could not be started. */
  onError?: (error: SandboxError) => void | Promise<void>
}

/** Options of `exec`. */
export interface ExecOptions {
  /** Working directory; relative paths resolve against the session's or sandbox's. */
  cwd?: string
  /** Environment changes over the sandbox's and session's; `undefined` removes a variable. */
  env?: EnvLike
  /** Kill the command and reject with `CommandTimeoutError` (COMMAND_TIMEOUT) after this many milliseconds. */
  timeout?: number
  /** When `timeout` fires, milliseconds between SIGTERM and SIGKILL; default 5000. */
  killTimeout?: number
  /** Bytes of each stream kept for the result (the newest); default 100 MiB. */
  maxBuffer?: number
  /** Written to the command's stdin, which is then closed. */
  input?: string | Uint8Array
  /** Accepted for compatibility; output streams to `onOutput` whenever it is given. */
  stream?: boolean
  /** Each chunk of output, all delivered before the Promise settles. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void | Promise<void>
}

/** What `exec` resolves with: the output, the exit code and `duration` in milliseconds. */
export type ExecResult = NativeExecResult

/** The restart policy of `startProcess`; times in milliseconds. */
export interface RestartOptions {
  /** `'no'` (default), `'on-failure'` or `'always'`. */
  policy?: 'no' | 'on-failure' | 'always'
  /** Restarts allowed in all; by default no limit. */
  maxRestarts?: number
  /** Delays between restarts: `initial` (100), times `factor` (2) each time, at most `max` (30000). */
  backoff?: { initial?: number; max?: number; factor?: number }
  /** A run that stayed up this long resets the backoff; default 10000. */
  resetAfter?: number
}

/** Options of `streamProcessLogs`: as `Process.logs()`'s; each frame's `id:` is its cursor. */
export interface StreamProcessLogsOptions {
  /** Start just after this cursor: the `id` of the last frame read, to resume. */
  since?: number
  /** Replay kept output first (default `true`); `false` starts at the live end. */
  replay?: boolean
  /** Follow live output until `exit` (default `true`); `false` ends after the kept output. */
  follow?: boolean
  /** Only `'stdout'` or only `'stderr'`. */
  stream?: 'stdout' | 'stderr'
  /** Aborting errors the stream with the signal's reason and releases it. */
  signal?: AbortSignal
}

const wrap = (p: ConstructorParameters<typeof Process>[1]): Process => new Process(INTERNAL, p)

// The core judges the values (policy names included); only the shape is passed on here.
function restartOption(restart: unknown): NativeProcessOptions['restart'] {
  if (restart === undefined || typeof restart === 'string') return restart as NativeProcessOptions['restart']
  const o = optionsObject('restart', restart)
  return {
    policy: o.policy as NativeRestartOptions['policy'],
    maxRestarts: optionalNumber('restart.maxRestarts', o.maxRestarts),
    backoff: o.backoff === undefined ? undefined : backoffOption(o.backoff),
    resetAfter: optionalNumber('restart.resetAfter', o.resetAfter),
  }
}

function backoffOption(backoff: unknown): NativeBackoff {
  const o = optionsObject('restart.backoff', backoff)
  const n = (k: string) => optionalNumber(`restart.backoff.${k}`, o[k])
  return { ...o, initial: n('initial'), max: n('max'), factor: n('factor') } as NativeBackoff
}

function ptyOption(pty: unknown): { cols?: number; rows?: number } | undefined {
  if (pty === undefined) return undefined
  const o = optionsObject('pty', pty)
  return { cols: optionalNumber('pty.cols', o.cols), rows: optionalNumber('pty.rows', o.rows) }
}

/** The process methods a sandbox and a session share. */
export class ProcessScope {
  #scope: NativeScope

  /** @internal */
  protected constructor(nativeScope: NativeScope) {
    this.#scope = nativeScope
  }

  /** A string runs in the shell (`bash -c`); an array is an argv run directly. */
  async startProcess(cmd: string | string[], options?: ProcessOptions, sessionId?: string): Promise<Process> {
    const argv = command(cmd)
    const o = optionsObject('startProcess options', options)
    const callbacks: ProcessCallbacks<Process> = {
      onStart: callback(o, 'onStart'),
      onOutput: callback(o, 'onOutput'),
      onExit: callback(o, 'onExit'),
      onError: callback(o, 'onError'),
    }
    const dispatch = Object.values(callbacks).some((f) => f !== undefined) ? processDispatcher(callbacks, wrap) : null
    const native = {
      processId: o.processId as string | undefined,
      cwd: o.cwd as string | undefined,
      env: env(o.env),
      timeout: o.timeout as number | undefined,
      killTimeout: o.killTimeout as number | undefined,
      autoCleanup: o.autoCleanup as boolean | undefined,
      sessionId: sessionId ?? (o.sessionId as string | undefined),
      stdin: o.stdin as 'pipe' | 'ignore' | undefined,
      pty: ptyOption(o.pty),
      restart: restartOption(o.restart),
    }
    return wrap(await call(() => this.#scope.startProcess(argv, native, dispatch)))
  }

  /** Every record kept, running or ended, in start order. */
  async listProcesses(): Promise<Process[]> {
    return call(() => this.#scope.listProcesses().map(wrap))
  }

  /** The process with this id, or `null`. */
  async getProcess(id: string): Promise<Process | null> {
    const p = await call(() => this.#scope.getProcess(id))
    return p ? wrap(p) : null
  }

  /** `Process.kill` by id; an unknown id rejects with `ProcessNotFoundError`. */
  async killProcess(id: string, signal?: SignalLike, options?: KillOptions): Promise<void> {
    await call(() => this.#scope.killProcess(id, signal ?? null, killTimeout(options)))
  }

  /** SIGTERM by id, then SIGKILL after the default 5000 ms if the group lives on. */
  async stopProcess(id: string): Promise<void> {
    await call(() => this.#scope.killProcess(id, 'SIGTERM', null))
  }

  /** Kills every process, and what is left of the groups of ended ones; resolves with how many it signalled. */
  async killAllProcesses(): Promise<number> {
    return call(() => this.#scope.killAllProcesses())
  }

  /** The TCP sockets in LISTEN state of every process here, each with its `processId`. */
  async listPorts(): Promise<ListeningPort[]> {
    return (await call(() => this.#scope.listPorts())) as ListeningPort[]
  }

  /** The output kept for the process with this id. */
  async getProcessLogs(id: string, options?: GetLogsOptions): Promise<ProcessLogs> {
    return call(() => this.#scope.getProcessLogs(id, optionsObject('getProcessLogs options', options)))
  }

  /** A stream of SSE frames (`data: <json>\n\n`); read it with `parseSSEStream`. */
  async streamProcessLogs(id: string, options?: StreamProcessLogsOptions): Promise<ReadableStream<Uint8Array>> {
    const { signal: s, ...o } = optionsObject('streamProcessLogs options', options)
    const signal = abortSignal(s, 'options.signal')
    const stream = await call(() => this.#scope.streamProcessLogs(id, o))
    return sseReadableStream(stream, signal)
  }

  /** Runs a command to completion. */
  async exec(cmd: string | string[], options?: ExecOptions): Promise<ExecResult> {
    const argv = command(cmd)
    const o = optionsObject('exec options', options)
    const onOutput = callback<NonNullable<ExecOptions['onOutput']>>(o, 'onOutput')
    const native = {
      cwd: o.cwd as string | undefined,
      env: env(o.env),
      timeout: o.timeout as number | undefined,
      killTimeout: o.killTimeout as number | undefined,
      maxBuffer: o.maxBuffer as number | undefined,
      input: o.input as string | Uint8Array | undefined,
    }
    if (onOutput === undefined) {
      return (await call(() => this.#scope.exec(argv, native, null))) as ExecResult
    }
    return new Promise<ExecResult>((resolve, reject) => {
      // With onOutput the result arrives as the last event, after every output.
      const dispatch = (event: NativeEvent): void => {
        if (event.type === 'output') invoke('onOutput', onOutput, event.stream, event.data)
        else if (event.type === 'done') {
          if (event.error !== undefined) reject(convertError(event.error))
          else resolve(event.result as ExecResult)
        }
      }
      call(() => this.#scope.exec(argv, native, dispatch)).catch(reject)
    })
  }
}
