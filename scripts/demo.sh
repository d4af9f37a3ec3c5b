#!/usr/bin/env bash
# The main job: builds the core and runs the demo (a real HTTP server started, awaited
# by log line and by port, fetched, streamed and stopped), then does the same with the
# `procwright` command: `procwright run` starts the server from a service file, waits
# until it answers, runs a client against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== the library (core/examples/demo.rs)"
cargo run -q -p procwright --example demo

echo
echo "== the command: procwright run -v -- CLIENT, with this procwright.toml"
cargo build -q -p procwright-cli
BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/procwright"
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo '<h1>Hello from procwright run</h1>' > "$DIR/index.html"
cat > "$DIR/procwright.toml" <<TOML
[services.web]
command = "python3 -m http.server $PORT --bind 127.0.0.1"
ready = { port = $PORT, timeout = "15s" }
TOML
cat "$DIR/procwright.toml"
(cd "$DIR" && "$BIN" run -v -- python3 -c "import urllib.request; print('client    got:', urllib.request.urlopen('http://127.0.0.1:$PORT/').read().decode().strip())")
echo "procwright run exited 0: the client's exit code, passed through"
