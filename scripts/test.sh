#!/usr/bin/env bash
# Runs every test: Rust, then Python, then Node. Each part installs what it needs
# (a local .venv for Python, node_modules for Node) and fails the whole run if it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-rust.sh
bash scripts/test-python.sh
bash scripts/test-node.sh
echo "all test suites passed"
