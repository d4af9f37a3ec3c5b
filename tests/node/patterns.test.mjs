// RegExp patterns keep their meaning: flags i, m, s (and u) honoured, g and y ignored;
// lookarounds, backreferences and named groups work; `match` is a RegExp-like array.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox } from 'procwright'

const HANG_GUARD = { timeout: 60_000 }
const sandbox = new Sandbox()
let p
before(async () => {
  p = await sandbox.startProcess(
    `printf 'GET /health 200\\nαβγ port 42\\nfoo foo\\nREADY\\nprice: $5\\n'; printf 'prompt> '; sleep 300`,
  )
  await p.waitForLog('prompt>') // the unfinished last line is seen too
})
after(() => sandbox.destroy())

async function m(re) {
  return (await p.waitForLog(re, 5000)).match
}

test('a string is a substring and gives a null match', HANG_GUARD, async () => {
  const r = await p.waitForLog('port 4')
  assert.equal(r.line, 'αβγ port 42')
  assert.equal(r.match, null)
  assert.equal(r.stream, 'stdout')
  // regex metacharacters in a string are literal
  assert.equal((await p.waitForLog('price: $5')).line, 'price: $5')
})

test('match is an array like RegExp.exec: groups, index, input', HANG_GUARD, async () => {
  const match = await m(/port (\d+)/)
  const js = /port (\d+)/.exec('αβγ port 42')
  assert.deepEqual([...match], [...js])
  assert.equal(match.index, js.index) // UTF-16 index, after the Greek letters
  assert.equal(match.input, js.input)
  assert.equal(match.groups, undefined)
  const named = await m(/(?<verb>[A-Z]+) (?<path>\/\w+) (?<code>\d+)?/)
  assert.equal(named.groups.verb, 'GET')
  assert.equal(named.groups.path, '/health')
  assert.equal(named[3], '200')
  const optional = await m(/(GET) (x)?/)
  assert.equal(optional[2], undefined)
  assert.equal(optional.length, 3)
})

test('escapes: \\/ \\$ \\d \\x41 \\u03b1 and unicode classes', HANG_GUARD, async () => {
  assert.equal((await m(/GET \/health/))[0], 'GET /health')
  assert.equal((await m(/\$\d/))[0], '$5')
  assert.equal((await m(/[\/]h/))[0], '/h')
  assert.equal((await m(/\u03b1\u03b2/))[0], 'αβ')
  assert.equal((await m(/\p{Script=Greek}+/u))[0], 'αβγ')
})

test('lookahead, lookbehind (variable too), backreferences by number and name', HANG_GUARD, async () => {
  assert.equal((await m(/\d+(?= *$)/))[0], '200')
  assert.equal((await m(/(?<=port )\d+/))[0], '42')
  assert.equal((await m(/(?<=p[a-z]+ )\d+/))[0], '42')
  assert.equal((await m(/(?<!GET )\b\d\d\b/))[0], '42')
  await assert.rejects(p.waitForLog(/(?<!GET )\/\w+/, 100), { code: 'PROCESS_READY_TIMEOUT' })
  assert.deepEqual([...(await m(/(\w+) \1/))], ['foo foo', 'foo'])
  assert.equal((await m(/(?<w>\w+) \k<w>/)).groups.w, 'foo')
})

test('flags: i and m honoured, g ignored, y anchors at the line start, s lets . match a newline', HANG_GUARD, async () => {
  assert.equal((await m(/ready/i))[0], 'READY')
  assert.equal((await m(/^READY$/m))[0], 'READY')
  assert.equal((await m(/port (\d+)/g))[1], '42')
  // As V8's exec from lastIndex 0: a sticky match starts at the start of the line.
  assert.equal((await m(/\w+/y))[0], 'GET')
  await assert.rejects(p.waitForLog(/\d+/y, 100), { code: 'PROCESS_READY_TIMEOUT' })
  await assert.rejects(p.waitForLog(/ready/, 100), { code: 'PROCESS_READY_TIMEOUT' }) // case matters without i
  // Lines are tested one by one, so `s` matters only within a line; it is accepted.
  assert.equal((await m(/GET.\/health/s))[0], 'GET /health')
})

test('a pattern the engine cannot read as V8 does is INVALID_PATTERN', HANG_GUARD, async () => {
  // A quantified lookahead (Annex B) and a lone surrogate, which decoded text never holds.
  for (const re of [/(?=a)*/, /\uD800/]) {
    await assert.rejects(p.waitForLog(re, 60_000), { code: 'INVALID_PATTERN', name: 'InvalidArgumentError' })
  }
  // What V8 reads in its own way is read so: `[^]` is any character, `\cJ` a newline.
  assert.equal((await m(/[^]/))[0], 'G')
  await assert.rejects(p.waitForLog(/\cJ/, 100), { code: 'PROCESS_READY_TIMEOUT' })
})
