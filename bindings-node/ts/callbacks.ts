// Callbacks run on the JS thread; what they throw (or reject with) is reported as a
// process warning, never fatal to the process.

import { convertError, SandboxError } from './errors'
import type { NativeProcess } from '../native/binding'

function reportCallbackError(name: string, error: unknown): void {
  const warning = new Error(
    `procwright: the ${name} callback threw: ${error instanceof Error ? error.message : String(error)}`,
  ) as Error & { code?: string; cause?: unknown }
  warning.name = 'ProcwrightCallbackWarning'
  warning.code = 'PROCWRIGHT_CALLBACK_ERROR'
  warning.cause = error
  process.emitWarning(warning)
}

/** Calls `fn` if given, reporting what it throws or rejects with. */
export function invoke(name: string, fn: ((...args: never[]) => unknown) | undefined, ...args: unknown[]): void {
  if (fn === undefined) return
  try {
    const r = (fn as (...a: unknown[]) => unknown)(...args)
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      ;(r as Promise<unknown>).then(undefined, (e: unknown) => reportCallbackError(name, e))
    }
  } catch (e) {
    reportCallbackError(name, e)
  }
}

/** The callbacks of `startProcess`. */
export interface ProcessCallbacks<P> {
  onStart?: (process: P) => void | Promise<void>
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void | Promise<void>
  onExit?: (code: number | null) => void | Promise<void>
  onError?: (error: SandboxError) => void | Promise<void>
}

/** An event the addon sends, in order, on one queue per process. */
export interface NativeEvent {
  type: 'start' | 'output' | 'exit' | 'error' | 'done'
  process?: NativeProcess
  stream?: 'stdout' | 'stderr'
  data?: string
  exitCode?: number | null
  error?: unknown
  result?: unknown
}

/** The dispatcher the addon calls with each event of a process. */
export function processDispatcher<P>(
  callbacks: ProcessCallbacks<P>,
  wrap: (p: NativeProcess) => P,
): (event: NativeEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'start':
        return invoke('onStart', callbacks.onStart, wrap(event.process as NativeProcess))
      case 'output':
        return invoke('onOutput', callbacks.onOutput, event.stream, event.data)
      case 'exit':
        return invoke('onExit', callbacks.onExit, event.exitCode ?? null)
      case 'error':
        return invoke('onError', callbacks.onError, convertError(event.error))
      default:
        return undefined
    }
  }
}
