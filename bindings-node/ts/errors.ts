// The exported error classes, and the conversion of what the addon throws into them.
// The addon sets `code`, `className` and the context fields from the core's error;
// nothing is parsed out of a message.

/** Every code the core can give an error. */
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
  | 'COMMAND_TIMEOUT'

/** Context an error can carry. */
export interface SandboxErrorOptions {
  code?: string
  processId?: string
  exitCode?: number
  condition?: string
  lastLines?: string[]
  cause?: unknown
}

/** The base of every error procwright throws. */
export class SandboxError extends Error {
  /** The code a subclass has when none is given. */
  static defaultCode = 'SANDBOX_ERROR'
  /** The contract's code, e.g. `PROCESS_NOT_FOUND`. */
  readonly code: ErrorCode | string
  /** The process concerned, where there is one. */
  readonly processId: string | undefined
  /** The exit code of a process that ended before it was ready. */
  readonly exitCode: number | undefined
  /** The awaited condition, e.g. `Server ready`, `/port \d+/`, `port 3000 (HTTP /)`. */
  readonly condition: string | undefined
  /** The last lines of output, oldest first. */
  readonly lastLines: string[]

  /** An error with `code` from `options`, else the class's `defaultCode`. */
  constructor(message?: string, options: SandboxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? (new.target as typeof SandboxError).defaultCode
    this.processId = options.processId
    this.exitCode = options.exitCode
    this.condition = options.condition
    this.lastLines = options.lastLines ?? []
  }
}

/** No process with that id. */
export class ProcessNotFoundError extends SandboxError {
  static override defaultCode = 'PROCESS_NOT_FOUND'
  declare readonly code: 'PROCESS_NOT_FOUND'
}
/** A wait ran out of time; the process keeps running. */
export class ProcessReadyTimeoutError extends SandboxError {
  static override defaultCode = 'PROCESS_READY_TIMEOUT'
  declare readonly code: 'PROCESS_READY_TIMEOUT'
}
/** A command run to completion (`exec`) outlived its timeout and was killed. */
export class CommandTimeoutError extends SandboxError {
  static override defaultCode = 'COMMAND_TIMEOUT'
  declare readonly code: 'COMMAND_TIMEOUT'
}
/** The process ended before the awaited condition held. */
export class ProcessExitedBeforeReadyError extends SandboxError {
  static override defaultCode = 'PROCESS_EXITED_BEFORE_READY'
  declare readonly code: 'PROCESS_EXITED_BEFORE_READY'
}
/** The process could not be started or signalled. */
export class ProcessError extends SandboxError {
  static override defaultCode = 'PROCESS_ERROR'
  declare readonly code: 'PROCESS_ERROR'
}
/** Bad input: a command, a pattern, an option, or an id in use. */
export class InvalidArgumentError extends SandboxError {
  static override defaultCode = 'INVALID_ARGUMENT'
  declare readonly code: 'PROCESS_ID_IN_USE' | 'INVALID_COMMAND' | 'INVALID_PATTERN' | 'INVALID_ARGUMENT'
}
/** A session that exists already, or does not exist. */
export class SessionError extends SandboxError {
  static override defaultCode = 'SESSION_NOT_FOUND'
  declare readonly code: 'SESSION_ALREADY_EXISTS' | 'SESSION_NOT_FOUND'
}

const ERROR_CLASSES: Record<string, typeof SandboxError> = {
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  CommandTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
}
for (const [name, cls] of Object.entries(ERROR_CLASSES)) {
  // Minifiers and `class X extends` keep no reliable name: set it, as Error does.
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}

// Statuses napi-rs gives a JavaScript value it could not convert (a number where a
// string was expected, a missing field): bad input, like any other.
const NAPI_INPUT_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
])

interface NativeError {
  message: string
  code?: string
  className?: string
  processId?: string
  exitCode?: number
  condition?: string
  lastLines?: unknown
}

/** Turns what the addon threw into the exported class its `className` names. */
export function convertError(e: unknown): unknown {
  if (e instanceof SandboxError || e === null || typeof e !== 'object') return e
  const n = e as NativeError
  const cls = typeof n.className === 'string' ? ERROR_CLASSES[n.className] : undefined
  if (cls !== undefined) {
    return new cls(n.message, {
      code: n.code,
      processId: n.processId,
      exitCode: n.exitCode,
      condition: n.condition,
      lastLines: Array.isArray(n.lastLines) ? (n.lastLines as string[]) : [],
    })
  }
  if (n.code !== undefined && NAPI_INPUT_STATUSES.has(n.code)) {
    return new InvalidArgumentError(`invalid argument: ${n.message}`, { code: 'INVALID_ARGUMENT', cause: e })
  }
  return e
}

/** An `InvalidArgumentError` with code `INVALID_ARGUMENT`. */
export function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, { code: 'INVALID_ARGUMENT' })
}

/** Calls the addon, turning a synchronous throw or a rejection into our classes. */
export async function call<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (e) {
    throw convertError(e)
  }
}
