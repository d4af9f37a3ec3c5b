#!/usr/bin/env node
// The `procwright` command, as the package's `bin`: the same Rust command as the binary
// and the Python console script. It owns this process until it ends.
'use strict'

const { cliMain } = require('../native/binding.js')

// Node's own SIGINT/SIGTERM handler resets the terminal and re-raises the signal; the
// command's handler (installed by the Rust runtime) chains to whatever was there, so
// the two together re-raise for ever. A listener here swaps Node's handler for libuv's,
// which only takes note; the Rust command then handles both signals as it does when
// run as the binary.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {})

process.exit(cliMain(['procwright', ...process.argv.slice(2)]))
