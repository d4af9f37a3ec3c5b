#!/usr/bin/env bash
# The Python package's tests: builds procwright into a local virtualenv (.venv) with
# maturin and runs pytest on tests/python. Needs only python3 (3.9+), pip and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"

echo "== Python: virtualenv $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
VENV="$(cd "$VENV" && pwd)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "maturin>=1.9,<2" "pytest>=8" "pytest-asyncio>=0.24" "pytest-timeout>=2" "mypy>=1.10" \
    "mcp==2.3.0"  # the official MCP SDK: the real client procwright mcp is tested with

echo "== Python: build and install procwright into $VENV (maturin develop)"
VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH" \
    "$VENV/bin/maturin" develop --quiet

echo "== Python: pytest tests/python"
set +e
"$VENV/bin/python" -m pytest tests/python -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: treating that as a failure" >&2
    exit 1
fi
exit "$status"
