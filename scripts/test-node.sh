#!/usr/bin/env bash
# The Node package's tests: `npm install` builds the native addon from source with
# cargo (the root package.json's `prepare` script runs `napi build`; nothing prebuilt
# is downloaded), then `npm test` runs tests/node with Node's own test runner.
# Needs only node (20+), npm and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Node: npm install (builds bindings-node with cargo via @napi-rs/cli)"
npm install --no-audit --no-fund

echo "== Node: npm test (node --test tests/node)"
npm test
