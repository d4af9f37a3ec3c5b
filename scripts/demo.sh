#!/usr/bin/env bash
# The main job: builds the core and runs the demo (a real HTTP server started, awaited
# by log line and by port, fetched, streamed and stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -p procwright --example demo
