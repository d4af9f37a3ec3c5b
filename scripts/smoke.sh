#!/usr/bin/env bash
# Installs the artifacts scripts/package.sh put in dist/ the way users do, outside the
# repo, and runs a smoke test from each: the wheel into a fresh virtualenv (pip
# --no-index: nothing fetched), the npm tarballs into an empty npm project (npm
# --offline: nothing fetched, so no build tool can be downloaded; the one runtime
# dependency, eventsource-parser, is packed from the repo's node_modules, which
# package.sh's `npm ci` installed from the lock). Each runs tests/smoke/smoke.{py,mjs} (a real server: port, logs, stop, gone)
# and its installed `procwright --version` and a tiny `procwright run`, from the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
PYTHON="${PYTHON:-python3}"

version="$(node -p 'require("./package.json").version')"
case "$(uname -m)" in
    x86_64) platform=linux-x64-gnu ;;
    aarch64) platform=linux-arm64-gnu ;;
    *) echo "smoke.sh: no npm platform package for $(uname -m)" >&2; exit 1 ;;
esac
wheel="$(ls "$root"/dist/procwright-"$version"-*.whl)"
npm_main="$root/dist/npm/procwright-$version.tgz"
npm_platform="$root/dist/npm/procwright-$platform-$version.tgz"
for f in "$wheel" "$npm_main" "$npm_platform"; do
    [ -f "$f" ] || { echo "smoke.sh: $f is missing: run scripts/package.sh first" >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/procwright-smoke.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp tests/smoke/smoke.py tests/smoke/smoke.mjs "$tmp/"
cat > "$tmp/procwright.toml" <<'TOML'
[services.web]
command = ["python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1"]
ready = { regex = "Serving HTTP on \\S+ port (\\d+)", timeout = "30s" }
TOML

# The installed command: --version names this version, and `run` starts the service,
# waits for it, runs the command (its exit code is run's) and stops the service.
check_cli() { # label, path to the installed procwright
    local out
    out="$("$2" --version)"
    [ "$out" = "procwright $version" ] || { echo "smoke.sh: $1 procwright --version said '$out'" >&2; exit 1; }
    # CMD's stdout is the caller's, here a pipe (under the npm bin Node marks it
    # close-on-exec: run must hand CMD a copy).
    out="$(TMPDIR="$tmp" "$2" run -- python3 -c 'print("run-ok")' 2>/dev/null)"
    [ "$out" = run-ok ] || { echo "smoke.sh: $1 procwright run: CMD printed '$out', not run-ok" >&2; exit 1; }
    set +e
    TMPDIR="$tmp" "$2" run -- sh -c 'exit 3' >/dev/null 2>&1
    local code=$?
    set -e
    [ "$code" -eq 3 ] || { echo "smoke.sh: $1 procwright run exited $code, not 3" >&2; exit 1; }
    echo "$1 procwright: --version and run ok"
}

echo "== smoke: the release binary dist/procwright"
(cd "$tmp" && check_cli binary "$root/dist/procwright")

echo "== smoke: Python wheel $(basename "$wheel") in a fresh virtualenv"
"$PYTHON" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
(cd "$tmp" && "$tmp/venv/bin/python" smoke.py "$version")
(cd "$tmp" && check_cli pip "$tmp/venv/bin/procwright")

echo "== smoke: npm tarballs in an empty project (offline)"
mkdir "$tmp/project"
cp "$tmp/smoke.mjs" "$tmp/procwright.toml" "$tmp/project/"
(
    cd "$tmp/project"
    npm init -y >/dev/null
    # Neither package may run anything at install time (no build, no download).
    for f in "$npm_main" "$npm_platform"; do
        if tar -xOzf "$f" package/package.json | node -e 'process.exit(JSON.parse(require("fs").readFileSync(0, "utf8")).scripts ? 0 : 1)'; then
            echo "smoke.sh: $(basename "$f") has scripts" >&2; exit 1
        fi
    done
    esp="$(cd "$root/node_modules/eventsource-parser" && npm pack --silent --pack-destination "$tmp")"
    npm install --offline --no-audit --no-fund --loglevel=error "$npm_main" "$npm_platform" "$tmp/$esp"
    [ -f "node_modules/procwright-$platform/procwright.$platform.node" ] \
        || { echo "smoke.sh: the platform package did not install" >&2; exit 1; }
    if find node_modules/procwright -name '*.node' | grep -q .; then
        echo "smoke.sh: the main package carries a .node file" >&2; exit 1
    fi
    node smoke.mjs "$version"
    check_cli npm "$tmp/project/node_modules/.bin/procwright"
)
echo "smoke: the wheel and the npm packages of procwright $version work outside the repo"
