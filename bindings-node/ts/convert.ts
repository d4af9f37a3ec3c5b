// JavaScript values into the shapes the addon takes. Only types are checked here
// (what napi would otherwise refuse with a vaguer message); every rule about values
// (empty commands, NUL bytes, ranges, ids) is the core's.

import { InvalidArgumentError, invalid } from './errors'
import { NativeCancel } from '../native/binding'

/** Environment changes: `null` or `undefined` removes a variable. */
export type EnvLike = Record<string, string | null | undefined> | Map<string, string | null | undefined>

/** How a value is named in a message. */
export function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `a ${typeof v}`
}

/**
 * An options object with `null` read as "none" for every option, as `undefined` is
 * (napi reads only `undefined` so).
 */
export function optionsObject(what: string, options: unknown): Record<string, unknown> {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(`${what} must be an object, got ${describe(options)}`)
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(options)) out[k] = v === null ? undefined : v
  return out
}

/** A number option, or `undefined`; named in the message otherwise. */
export function optionalNumber(what: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number') throw invalid(`${what} must be a number, got ${describe(value)}`)
  return value
}

/** A shell string or an argv. */
export function command(value: unknown): string | string[] {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.every((a) => typeof a === 'string')) return value as string[]
  throw new InvalidArgumentError(`command must be a string or an array of strings, got ${describe(value)}`, {
    code: 'INVALID_COMMAND',
  })
}

/**
 * Environment changes as the addon takes them: a plain object whose `null` removes a
 * variable (napi carries no `undefined` property across, so entries are copied).
 */
export function env(value: unknown): Record<string, string | null> | undefined {
  if (value === undefined || value === null) return undefined
  const isMap = value instanceof Map
  if (!isMap && (typeof value !== 'object' || Array.isArray(value))) {
    throw invalid(`env must be an object or a Map of strings, got ${describe(value)}`)
  }
  const out: Record<string, string | null> = {}
  const entries = isMap ? [...(value as Map<unknown, unknown>).entries()] : Object.entries(value as object)
  for (const [k, v] of entries) {
    if (typeof k !== 'string') throw invalid(`env names must be strings, got ${describe(k)}`)
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw invalid(`env value of ${k} must be a string, null or undefined, got ${describe(v)}`)
    }
    out[k] = (v as string | null | undefined) ?? null
  }
  return out
}

/** A callback option, or `undefined`. */
export function callback<F extends (...args: never[]) => unknown>(options: Record<string, unknown>, name: string): F | undefined {
  const fn = options[name]
  if (fn === undefined || fn === null) return undefined
  if (typeof fn !== 'function') throw invalid(`${name} must be a function, got ${describe(fn)}`)
  return fn as F
}

/**
 * Runs a native call that takes a cancel token, ending it when `signal` aborts: the
 * call rejects with the signal's reason, as `fetch` does, and its work stops.
 */
export async function abortable<T>(signal: AbortSignal | undefined, run: (cancel: NativeCancel | null) => Promise<T>): Promise<T> {
  if (signal === undefined) return run(null)
  signal.throwIfAborted()
  const cancel = new NativeCancel()
  const onAbort = (): void => cancel.cancel()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await run(cancel)
  } catch (e) {
    if (signal.aborted) throw signal.reason
    throw e
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/** A timeout in milliseconds, or an options object carrying `timeout` and more. */
export function timeoutOptions(what: string, value: unknown): Record<string, unknown> {
  if (typeof value === 'number') return { timeout: value }
  return optionsObject(what, value)
}

/** An `AbortSignal` option, or `undefined`. */
export function abortSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined
  if (!(signal instanceof AbortSignal)) throw invalid(`${what} must be an AbortSignal, got ${describe(signal)}`)
  return signal
}

/** The `timeout` of `kill` options, in milliseconds, or `null`. */
export function killTimeout(options: unknown): number | null {
  const o = optionsObject('kill options', options)
  return (o.timeout as number | undefined) ?? null
}
