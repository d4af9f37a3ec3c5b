// ESM entry point: the same module instance as `require('procwright')`.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const procwright = require('./index.cjs')

export const {
  Sandbox,
  Session,
  ExecutionSession,
  Process,
  ProcessScope,
  LogEventIterator,
  getSandbox,
  parseSSEStream,
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  CommandTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
} = procwright

export default procwright
