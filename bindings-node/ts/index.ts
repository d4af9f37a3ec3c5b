// The `procwright` package: start background processes, keep their output, and wait
// until they are ready. The Rust core does the work; this layer converts JavaScript
// values, errors, callbacks and streams.

import { isMainThread } from 'node:worker_threads'
import { shutdownAll } from '../native/binding'

export {
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  CommandTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
  type ErrorCode,
  type SandboxErrorOptions,
} from './errors'
export type { EnvLike } from './convert'
export { LogEventIterator, type LogEvent, type LogStreamOptions } from './logs'
export {
  Process,
  type ProcessStatus,
  type SignalLike,
  type KillOptions,
  type WriteOptions,
  type LogMatchArray,
  type WaitForLogResult,
  type WaitForPortOptions,
  type WaitForExitResult,
  type WaitForLogOptions,
  type WaitForExitOptions,
  type WaitForAnyPortOptions,
  type ListeningPort,
  type GetLogsOptions,
  type ProcessLogs,
} from './process'
export { ProcessScope, type RestartOptions, type ProcessOptions, type ExecOptions, type ExecResult, type StreamProcessLogsOptions } from './scope'
export { Session, Session as ExecutionSession } from './session'
export { Sandbox, getSandbox, type SandboxOptions, type SessionOptions } from './sandbox'
export { parseSSEStream } from './sse'

/** How long processes get after SIGTERM when Node exits, before SIGKILL. */
const EXIT_GRACE_MS = 2000

// Everything started is killed when Node exits normally, so a script that forgets
// killAllProcesses() neither hangs (running processes hold no ref on the event
// loop) nor leaves a server behind. Only the main thread owns that hook.
if (isMainThread) {
  process.once('exit', () => {
    try {
      shutdownAll(EXIT_GRACE_MS)
    } catch {
      // exiting anyway
    }
  })
}
