#!/usr/bin/env node
// The `procwright` command, as the package's `bin`: the same Rust command as the binary
// and the Python console script. It owns this process until it ends.
'use strict'

const { cliMain } = require('../native/binding.js')

process.exit(cliMain(['procwright', ...process.argv.slice(2)]))
