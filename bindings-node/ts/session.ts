// `Session`: a scope with an id inside a sandbox.

import { NativeSession } from '../native/binding'
import { INTERNAL } from './logs'
import { ProcessScope } from './scope'

/** An isolated context: its own env, cwd and process list. */
export class Session extends ProcessScope {
  #native: NativeSession

  /** @internal */
  constructor(token: typeof INTERNAL, nativeSession: NativeSession) {
    if (token !== INTERNAL || !(nativeSession instanceof NativeSession)) {
      throw new TypeError('sessions are made by Sandbox.createSession()')
    }
    super(nativeSession.scope())
    this.#native = nativeSession
  }

  /** The session id. */
  get id(): string {
    return this.#native.id
  }
}
