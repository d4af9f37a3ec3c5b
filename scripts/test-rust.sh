#!/usr/bin/env bash
# The core's unit and integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== Rust: cargo test -p procwright"
cargo test -p procwright --all-targets
