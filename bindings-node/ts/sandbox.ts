// `Sandbox`: the root scope, with sessions and `destroy`; `getSandbox` for shared ones.

import { NativeSandbox } from '../native/binding'
import { call, convertError, invalid } from './errors'
import { describe, env, optionsObject, type EnvLike } from './convert'
import { INTERNAL } from './logs'
import { ProcessScope } from './scope'
import { Session } from './session'

/** Options of `new Sandbox()`. */
export interface SandboxOptions {
  /** Working directory for processes that name none. */
  cwd?: string
  /** Environment changes for every process; `undefined` removes a variable. */
  env?: EnvLike
  /** Shell for string commands; default `bash` where found, else `/bin/sh`. */
  shell?: string
  /** Bytes kept in memory per stream per process; default 16 MiB. */
  logLimit?: number
  /** Where to write one merged `proc-<id>.log` per process (rotated at 10 MiB). */
  logDir?: string
}

/** Options of `createSession`. */
export interface SessionOptions {
  /** The session id; by default a generated one. */
  id?: string
  /** Working directory for the session's processes. */
  cwd?: string
  /** Environment changes for the session's processes; `undefined` removes a variable. */
  env?: EnvLike
}

function nativeSandbox(options: unknown): NativeSandbox {
  if (options !== null && typeof options === 'object' && (options as Record<symbol, unknown>)[INTERNAL] instanceof NativeSandbox) {
    return (options as Record<symbol, NativeSandbox>)[INTERNAL]
  }
  const o = optionsObject('Sandbox options', options)
  try {
    return new NativeSandbox({
      cwd: o.cwd as string | undefined,
      env: env(o.env),
      shell: o.shell as string | undefined,
      logLimit: o.logLimit as number | undefined,
      logDir: o.logDir as string | undefined,
    })
  } catch (e) {
    throw convertError(e)
  }
}

/** Starts and tracks background processes. */
export class Sandbox extends ProcessScope {
  #native: NativeSandbox

  /** A new sandbox of its own; `getSandbox` gives a shared one. */
  constructor(options?: SandboxOptions) {
    const n = nativeSandbox(options)
    super(n.scope())
    this.#native = n
  }

  /** A new session; an id in use rejects with `SessionError` (`SESSION_ALREADY_EXISTS`). */
  async createSession(options?: SessionOptions): Promise<Session> {
    const o = optionsObject('createSession options', options)
    const native = { id: o.id as string | undefined, cwd: o.cwd as string | undefined, env: env(o.env) }
    return new Session(INTERNAL, await call(() => this.#native.createSession(native)))
  }

  /** The session with this id; an unknown id rejects with `SessionError` (`SESSION_NOT_FOUND`). */
  async getSession(id: string): Promise<Session> {
    return new Session(INTERNAL, await call(() => this.#native.getSession(id)))
  }

  /** Kills the session's processes and forgets it. */
  async deleteSession(id: string): Promise<void> {
    await call(() => this.#native.deleteSession(id))
  }

  /** Kills everything and forgets every record and session. */
  async destroy(): Promise<void> {
    await call(() => this.#native.destroy())
  }
}

const shared = new Map<string, Sandbox>()

/** The one shared sandbox for `name` (default `"default"`). */
export function getSandbox(name?: string): Sandbox
/** The Cloudflare form: the binding is ignored, `name` picks the shared sandbox. */
export function getSandbox(binding: unknown, name: string, options?: unknown): Sandbox
export function getSandbox(...args: unknown[]): Sandbox {
  const name = args.length >= 2 ? args[1] : args[0]
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw invalid(`sandbox name must be a string, got ${describe(name)}`)
  }
  const key = (name as string | undefined | null) ?? 'default'
  let sandbox = shared.get(key)
  if (sandbox === undefined) {
    let n: NativeSandbox
    try {
      n = NativeSandbox.named(key)
    } catch (e) {
      throw convertError(e)
    }
    sandbox = new Sandbox({ [INTERNAL]: n } as unknown as SandboxOptions)
    shared.set(key, sandbox)
  }
  return sandbox
}
