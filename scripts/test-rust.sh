#!/usr/bin/env bash
# The core's unit and integration tests, then its doctests (which compile the README's
# Rust quick start; --all-targets leaves doctests out).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== Rust: cargo test -p procwright"
cargo test -p procwright --all-targets
echo "== Rust: cargo test -p procwright-cli (the procwright command)"
cargo test -p procwright-cli
echo "== Rust: doctests (README quick start included)"
cargo test -p procwright --doc
