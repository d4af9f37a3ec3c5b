#!/usr/bin/env bash
# The one benchmark command: bash benches/run.sh [--quick] [--only 1,3]
#
# Builds the Rust bench (release), installs the npm peers (wait-on, wait-port, execa)
# into benches/node_modules, builds the Python package in release mode into
# benches/.venv and the Node package at the repo root (release), then runs every row,
# interleaving procwright and its peers, and prints one table (also kept in
# benches/results/latest.md). A layer that cannot be built is reported as
# "n/a (binding not built)". Nothing is timed inside the test suites.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-bench}"
log() { echo "== $*" >&2; }

log "building the Rust bench and the procwright command (release) into $CARGO_TARGET_DIR"
cargo build --quiet --release -p procwright-benches -p procwright-cli

log "installing the npm peers into benches/node_modules"
(cd benches && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

if [ -f pyproject.toml ] && [ -d bindings-python ] && [ -f bindings-python/Cargo.toml ]; then
  log "building the Python package (release) into benches/.venv"
  if ( [ -x benches/.venv/bin/python ] || python3 -m venv benches/.venv ) &&
     benches/.venv/bin/python -m pip install --quiet --disable-pip-version-check maturin "mcp==2.3.0" &&
     rm -rf benches/.venv/wheels &&
     benches/.venv/bin/maturin build --quiet --release --out benches/.venv/wheels >&2 &&
     benches/.venv/bin/python -m pip install --quiet --disable-pip-version-check \
       --force-reinstall --no-deps benches/.venv/wheels/*.whl; then :
  else
    log "the Python package did not build: its rows will say n/a"
  fi
else
  log "no Python package yet (pyproject.toml, bindings-python/Cargo.toml): its rows will say n/a"
fi

if [ -f package.json ] && [ -d bindings-node ] && [ -f bindings-node/Cargo.toml ]; then
  log "building the Node package (release) at the repo root"
  if ( [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error >/dev/null ) &&
     npm run --silent build >&2; then :
  else
    log "the Node package did not build: its rows will say n/a"
  fi
else
  log "no Node package yet (package.json, bindings-node/Cargo.toml): its rows will say n/a"
fi

log "running (every measurement is a fresh process; rows interleave procwright and peers)"
exec python3 benches/run.py "$@"
