'use strict'
// The CommonJS entry point: the compiled TypeScript layer (bindings-node/ts, built into
// bindings-node/lib by `npm run build`).
module.exports = require('../lib/index.js')
