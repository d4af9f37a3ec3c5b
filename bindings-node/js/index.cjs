'use strict'
// The thin JavaScript layer over the native addon: error classes, Dates and
// `undefined`s, callbacks, ReadableStreams and async iterators. Every behaviour
// (processes, logs, waits, kills) lives in the Rust core.

const { isMainThread } = require('node:worker_threads')
const native = require('../native/binding.js')

const { NativeSandbox, NativeSession, NativeProcess } = native

/** How long processes get after SIGTERM when Node exits, before SIGKILL. */
const EXIT_GRACE_MS = 2000

// ---------------------------------------------------------------------------
// Errors

class SandboxError extends Error {
  constructor(message, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? new.target.defaultCode
    this.processId = options.processId
    this.exitCode = options.exitCode
    this.condition = options.condition
    this.lastLines = options.lastLines ?? []
  }
}
SandboxError.defaultCode = 'SANDBOX_ERROR'

class ProcessNotFoundError extends SandboxError {}
ProcessNotFoundError.defaultCode = 'PROCESS_NOT_FOUND'
class ProcessReadyTimeoutError extends SandboxError {}
ProcessReadyTimeoutError.defaultCode = 'PROCESS_READY_TIMEOUT'
class ProcessExitedBeforeReadyError extends SandboxError {}
ProcessExitedBeforeReadyError.defaultCode = 'PROCESS_EXITED_BEFORE_READY'
class ProcessError extends SandboxError {}
ProcessError.defaultCode = 'PROCESS_ERROR'
class InvalidArgumentError extends SandboxError {}
InvalidArgumentError.defaultCode = 'INVALID_ARGUMENT'
class SessionError extends SandboxError {}
SessionError.defaultCode = 'SESSION_NOT_FOUND'

const ERROR_CLASSES = {
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
}
for (const [name, cls] of Object.entries(ERROR_CLASSES)) {
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true })
}

// Codes napi-rs gives a value it could not convert (a number where a string was
// expected, a missing field...): bad input, like any other.
const NAPI_INPUT_CODES = new Set([
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

/** Turns what the addon threw into the exported class its code names. */
function convertError(e) {
  if (e instanceof SandboxError || e === null || typeof e !== 'object') return e
  // A core error: its fields were set by the addon from the core's `Error`.
  const cls = typeof e.className === 'string' ? ERROR_CLASSES[e.className] : undefined
  if (cls !== undefined) {
    return new cls(e.message, {
      code: e.code,
      processId: e.processId,
      exitCode: e.exitCode,
      condition: e.condition,
      lastLines: Array.isArray(e.lastLines) ? e.lastLines : [],
    })
  }
  if (NAPI_INPUT_CODES.has(e.code)) {
    return new InvalidArgumentError(`invalid argument: ${e.message}`, {
      code: 'INVALID_ARGUMENT',
      cause: e,
    })
  }
  return e
}

function invalid(message) {
  return new InvalidArgumentError(message, { code: 'INVALID_ARGUMENT' })
}

/** Calls the addon, turning a synchronous throw or a rejection into our classes. */
async function call(fn) {
  try {
    return await fn()
  } catch (e) {
    throw convertError(e)
  }
}

function optionsObject(what, options) {
  if (options === undefined || options === null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(`${what} must be an object, got ${describe(options)}`)
  }
  // null means "none" for every option, as undefined does (napi reads only undefined so).
  const out = {}
  for (const [k, v] of Object.entries(options)) out[k] = v === null ? undefined : v
  return out
}

function describe(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `a ${typeof v}`
}

function checkCommand(command) {
  if (typeof command === 'string') return command
  if (Array.isArray(command) && command.every((a) => typeof a === 'string')) return command
  throw new InvalidArgumentError(
    `command must be a string or an array of strings, got ${describe(command)}`,
    { code: 'INVALID_COMMAND' },
  )
}

function envOption(env) {
  if (env === undefined || env === null) return undefined
  const isMap = env instanceof Map
  if (!isMap && (typeof env !== 'object' || Array.isArray(env))) {
    throw invalid(`env must be an object or a Map of strings, got ${describe(env)}`)
  }
  // The native side reads null as "remove"; undefined must mean the same, and napi
  // does not carry an undefined property across, so the entries are copied here.
  const out = {}
  for (const [k, v] of isMap ? env.entries() : Object.entries(env)) {
    if (typeof k !== 'string') throw invalid(`env names must be strings, got ${describe(k)}`)
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw invalid(`env value of ${k} must be a string, null or undefined, got ${describe(v)}`)
    }
    out[k] = v ?? null
  }
  return out
}

function callbackOption(options, name) {
  const fn = options[name]
  if (fn === undefined || fn === null) return undefined
  if (typeof fn !== 'function') throw invalid(`${name} must be a function, got ${describe(fn)}`)
  return fn
}

// ---------------------------------------------------------------------------
// Callbacks: they run on the JS thread; what they throw (or reject with) is
// reported as a process warning, never fatal to the process.

function reportCallbackError(name, error) {
  const warning = new Error(
    `procwright: the ${name} callback threw: ${error instanceof Error ? error.message : String(error)}`,
  )
  warning.name = 'ProcwrightCallbackWarning'
  warning.code = 'PROCWRIGHT_CALLBACK_ERROR'
  warning.cause = error
  process.emitWarning(warning)
}

function invoke(name, fn, ...args) {
  if (fn === undefined) return
  try {
    const r = fn(...args)
    if (r !== null && typeof r === 'object' && typeof r.then === 'function') {
      r.then(undefined, (e) => reportCallbackError(name, e))
    }
  } catch (e) {
    reportCallbackError(name, e)
  }
}

function processDispatcher(callbacks) {
  return (event) => {
    switch (event.type) {
      case 'start':
        return invoke('onStart', callbacks.onStart, new Process(INTERNAL, event.process))
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

// ---------------------------------------------------------------------------
// Log events: the async iterator of `logs()`, the ReadableStream of
// `streamProcessLogs`, and `parseSSEStream`.

const INTERNAL = Symbol('procwright.internal')

/** An `AsyncIterableIterator<LogEvent>`; `return()` (an early `break`) releases it. */
class LogEventIterator {
  #stream
  #done = false
  constructor(token, stream) {
    if (token !== INTERNAL) throw new TypeError('LogEventIterator is returned by Process.logs()')
    this.#stream = stream
  }
  async next() {
    if (this.#done) return { done: true, value: undefined }
    const json = await call(() => this.#stream.next())
    if (json === null) {
      this.#done = true
      return { done: true, value: undefined }
    }
    return { done: false, value: JSON.parse(json) }
  }
  async return(value) {
    this.#done = true
    this.#stream.close()
    return { done: true, value }
  }
  async throw(error) {
    this.#done = true
    this.#stream.close()
    throw error
  }
  /** Whether the subscription has been released (after `exit`, `break` or `return()`). */
  get released() {
    return this.#stream.released
  }
  [Symbol.asyncIterator]() {
    return this
  }
}

function sseReadableStream(nativeStream, signal) {
  const encoder = new TextEncoder()
  let onAbort
  return new ReadableStream(
    {
      start(controller) {
        if (signal == null) return
        onAbort = () => {
          nativeStream.close()
          controller.error(signal.reason)
        }
        if (signal.aborted) onAbort()
        else signal.addEventListener('abort', onAbort, { once: true })
      },
      async pull(controller) {
        let frame
        try {
          frame = await nativeStream.nextFrame()
        } catch (e) {
          controller.error(convertError(e))
          return
        }
        if (frame === null) {
          signal?.removeEventListener('abort', onAbort)
          if (!signal?.aborted) controller.close()
          return
        }
        controller.enqueue(encoder.encode(frame))
      },
      cancel() {
        signal?.removeEventListener('abort', onAbort)
        nativeStream.close()
      },
    },
    { highWaterMark: 0 },
  )
}

function checkSignal(signal, what) {
  if (signal === undefined || signal === null) return undefined
  if (!(signal instanceof AbortSignal)) throw invalid(`${what} must be an AbortSignal, got ${describe(signal)}`)
  return signal
}

function parseFrame(frame) {
  const data = []
  for (const line of frame.split('\n')) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
  }
  if (data.length === 0) return undefined
  const text = data.join('\n')
  try {
    return { event: JSON.parse(text) }
  } catch {
    return undefined // not JSON (a comment or a sentinel such as [DONE])
  }
}

/**
 * Parses a stream of SSE frames (`data: <json>\n\n`) into the events they carry.
 * An aborted `signal` cancels the stream and rejects with its reason.
 */
async function* parseSSEStream(stream, signal) {
  if (stream === null || typeof stream !== 'object' || typeof stream.getReader !== 'function') {
    throw invalid(`parseSSEStream needs a ReadableStream, got ${describe(stream)}`)
  }
  signal = checkSignal(signal, 'signal')
  signal?.throwIfAborted()
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let onAbort
  const aborted =
    signal &&
    new Promise((_, reject) => {
      onAbort = () => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  aborted?.catch(() => {})
  let buffer = ''
  try {
    for (;;) {
      const { done, value } = await (aborted ? Promise.race([reader.read(), aborted]) : reader.read())
      if (done) break
      if (typeof value !== 'string' && !ArrayBuffer.isView(value) && !(value instanceof ArrayBuffer)) {
        throw invalid(`parseSSEStream reads bytes (Uint8Array) or strings, got a chunk of ${describe(value)}`)
      }
      buffer += (typeof value === 'string' ? value : decoder.decode(value, { stream: true })).replace(/\r\n?/g, '\n')
      let end
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const parsed = parseFrame(buffer.slice(0, end))
        buffer = buffer.slice(end + 2)
        if (parsed !== undefined) yield parsed.event
        signal?.throwIfAborted()
      }
    }
    buffer += decoder.decode()
    const parsed = parseFrame(buffer)
    if (parsed !== undefined) yield parsed.event
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}

// ---------------------------------------------------------------------------
// Process

function matchArray(m) {
  if (m.match === undefined || m.match === null) return null
  const arr = m.match.map((g) => (g === null ? undefined : g))
  arr.index = m.index
  arr.input = m.line
  arr.groups = m.groups == null
    ? undefined
    : Object.assign(Object.create(null), Object.fromEntries(Object.entries(m.groups).map(([k, v]) => [k, v ?? undefined])))
  return arr
}

function exitResult(e) {
  return { exitCode: e.exitCode ?? null, signal: e.signal ?? null, status: e.status }
}

function killTimeout(options) {
  const o = optionsObject('kill options', options)
  return o.timeout ?? null
}

class Process {
  #native
  constructor(token, nativeProcess) {
    if (token !== INTERNAL || !(nativeProcess instanceof NativeProcess)) {
      throw new TypeError('Process objects are returned by startProcess(), getProcess() and listProcesses()')
    }
    this.#native = nativeProcess
  }
  get id() {
    return this.#native.id
  }
  get pid() {
    return this.#native.pid ?? undefined
  }
  get command() {
    return this.#native.command
  }
  get status() {
    return this.#native.status
  }
  get startTime() {
    return new Date(this.#native.startTimeMs)
  }
  get endTime() {
    const t = this.#native.endTimeMs
    return t === null || t === undefined ? undefined : new Date(t)
  }
  get exitCode() {
    return this.#native.exitCode ?? undefined
  }
  get signal() {
    return this.#native.signal ?? undefined
  }
  get sessionId() {
    return this.#native.sessionId ?? undefined
  }
  async kill(signal, options) {
    await call(() => this.#native.kill(signal ?? null, killTimeout(options)))
  }
  // What the handle already knows resolves without a trip through the runtime.
  async getStatus() {
    return this.#native.status
  }
  async getLogs() {
    return this.#native.logs()
  }
  async waitForLog(pattern, timeout) {
    const m = await call(() => this.#native.waitForLog(pattern, timeout ?? null))
    return { line: m.line, match: matchArray(m), stream: m.stream }
  }
  async waitForPort(port, options) {
    await call(() => this.#native.waitForPort(port, optionsObject('waitForPort options', options)))
  }
  async waitForExit(timeout) {
    return exitResult(await call(() => this.#native.waitForExit(timeout ?? null)))
  }
  logs() {
    return new LogEventIterator(INTERNAL, this.#native.streamLogs())
  }
  toJSON() {
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
    }
  }
  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Process ${JSON.stringify(this.toJSON())}`
  }
}

// ---------------------------------------------------------------------------
// Sandbox and sessions

function processOptions(options) {
  return {
    processId: options.processId,
    cwd: options.cwd,
    env: envOption(options.env),
    timeout: options.timeout,
    killTimeout: options.killTimeout,
    autoCleanup: options.autoCleanup,
  }
}

/** The process methods a Sandbox and a Session share, over the core's scope. */
class ProcessManager {
  #scope
  constructor(nativeScope) {
    this.#scope = nativeScope
  }
  async startProcess(command, options, sessionId) {
    checkCommand(command)
    const o = optionsObject('startProcess options', options)
    const callbacks = {
      onStart: callbackOption(o, 'onStart'),
      onOutput: callbackOption(o, 'onOutput'),
      onExit: callbackOption(o, 'onExit'),
      onError: callbackOption(o, 'onError'),
    }
    const dispatch = Object.values(callbacks).some((f) => f !== undefined) ? processDispatcher(callbacks) : null
    const native = { ...processOptions(o), sessionId: sessionId ?? o.sessionId }
    const p = await call(() => this.#scope.startProcess(command, native, dispatch))
    return new Process(INTERNAL, p)
  }
  async listProcesses() {
    return call(() => this.#scope.listProcesses().map((p) => new Process(INTERNAL, p)))
  }
  async getProcess(id) {
    const p = await call(() => this.#scope.getProcess(id))
    return p ? new Process(INTERNAL, p) : null
  }
  async killProcess(id, signal, options) {
    await call(() => this.#scope.killProcess(id, signal ?? null, killTimeout(options)))
  }
  async stopProcess(id) {
    await call(() => this.#scope.killProcess(id, 'SIGTERM', null))
  }
  killAllProcesses() {
    return call(() => this.#scope.killAllProcesses())
  }
  async getProcessLogs(id) {
    return call(() => this.#scope.getProcessLogs(id))
  }
  async streamProcessLogs(id, options) {
    const o = optionsObject('streamProcessLogs options', options)
    const signal = checkSignal(o.signal, 'options.signal')
    const stream = await call(() => this.#scope.streamProcessLogs(id))
    return sseReadableStream(stream, signal)
  }
  async exec(command, options) {
    checkCommand(command)
    const o = optionsObject('exec options', options)
    const onOutput = callbackOption(o, 'onOutput')
    const execOptions = { cwd: o.cwd, env: envOption(o.env), timeout: o.timeout, killTimeout: o.killTimeout, maxBuffer: o.maxBuffer }
    if (onOutput === undefined) return call(() => this.#scope.exec(command, execOptions, null))
    return new Promise((resolve, reject) => {
      const dispatch = (event) => {
        if (event.type === 'output') invoke('onOutput', onOutput, event.stream, event.data)
        else if (event.type === 'done') {
          if (event.error !== undefined) reject(convertError(event.error))
          else resolve(event.result)
        }
      }
      call(() => this.#scope.exec(command, execOptions, dispatch)).catch(reject)
    })
  }
}

/** A session: its own env, cwd and process list, with the sandbox's process methods. */
class Session extends ProcessManager {
  #native
  constructor(token, nativeSession) {
    if (token !== INTERNAL || !(nativeSession instanceof NativeSession)) {
      throw new TypeError('sessions are made by Sandbox.createSession()')
    }
    super(nativeSession.scope())
    this.#native = nativeSession
  }
  get id() {
    return this.#native.id
  }
}

class Sandbox extends ProcessManager {
  #native
  constructor(options) {
    let n
    if (options !== null && typeof options === 'object' && options[INTERNAL] instanceof NativeSandbox) {
      n = options[INTERNAL]
    } else {
      const o = optionsObject('Sandbox options', options)
      try {
        n = new NativeSandbox({
          cwd: o.cwd,
          env: envOption(o.env),
          shell: o.shell,
          logLimit: o.logLimit,
          logDir: o.logDir,
        })
      } catch (e) {
        throw convertError(e)
      }
    }
    super(n.scope())
    this.#native = n
  }
  async createSession(options) {
    const o = optionsObject('createSession options', options)
    return new Session(INTERNAL, await call(() => this.#native.createSession({ id: o.id, cwd: o.cwd, env: envOption(o.env) })))
  }
  async getSession(id) {
    return new Session(INTERNAL, await call(() => this.#native.getSession(id)))
  }
  async deleteSession(id) {
    await call(() => this.#native.deleteSession(id))
  }
  async destroy() {
    await call(() => this.#native.destroy())
  }
}

const shared = new Map()

/**
 * The one shared sandbox for `name` (default `"default"`). Also accepts the
 * Cloudflare form `getSandbox(binding, name, options?)`, whose binding is ignored.
 */
function getSandbox(...args) {
  const name = args.length >= 2 ? args[1] : args[0]
  if (name !== undefined && name !== null && typeof name !== 'string') {
    throw invalid(`sandbox name must be a string, got ${describe(name)}`)
  }
  const key = name ?? 'default'
  let sandbox = shared.get(key)
  if (sandbox === undefined) {
    let n
    try {
      n = NativeSandbox.named(key)
    } catch (e) {
      throw convertError(e)
    }
    sandbox = new Sandbox({ [INTERNAL]: n })
    shared.set(key, sandbox)
  }
  return sandbox
}

// Everything started is killed when Node exits normally, so a script that forgets
// killAllProcesses() neither hangs (running processes hold no ref on the event
// loop) nor leaves a server behind. Only the main thread owns that hook.
if (isMainThread) {
  process.once('exit', () => {
    try {
      native.shutdownAll(EXIT_GRACE_MS)
    } catch {
      // exiting anyway
    }
  })
}

module.exports = {
  Sandbox,
  Session,
  ExecutionSession: Session,
  Process,
  LogEventIterator,
  getSandbox,
  parseSSEStream,
  SandboxError,
  ProcessNotFoundError,
  ProcessReadyTimeoutError,
  ProcessExitedBeforeReadyError,
  ProcessError,
  InvalidArgumentError,
  SessionError,
}
