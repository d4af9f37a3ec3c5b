#!/usr/bin/env bash
# The Node package's tests: `npm ci` installs exactly what package-lock.json says (it
# never rewrites the lock) and builds the native addon from source with cargo (the root
# package.json's `prepare` script runs `napi build`; nothing prebuilt is downloaded),
# then `npm test` runs tests/node with Node's own test runner.
# Needs only node (20+), npm and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== Node: npm ci (builds bindings-node with cargo via @napi-rs/cli)"
npm ci --no-audit --no-fund

# napi writes the loader and the generated types on every build; they are committed,
# so a change to the Rust API that was not rebuilt and committed shows up here.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    && ! git diff --quiet -- bindings-node/native/binding.js bindings-node/native/binding.d.ts; then
    echo "bindings-node/native/binding.{js,d.ts} differ from what napi generates:" >&2
    git diff --stat -- bindings-node/native >&2
    echo "commit the regenerated files" >&2
    exit 1
fi

echo "== Node: npm test (node --test tests/node)"
npm test
