#!/usr/bin/env bash
# Builds every release artifact of procwright into dist/ (git-ignored):
#   dist/procwright-X.Y.Z-cp39-abi3-manylinux_*_<arch>.whl   the Python wheel (abi3, CPython >= 3.9)
#   dist/procwright-X.Y.Z.tar.gz                              the Python sdist (builds with Rust)
#   dist/procwright                                           the `procwright` binary (release)
#   dist/npm/procwright-X.Y.Z.tgz                             the npm package (JS, types, loader)
#   dist/npm/procwright-linux-<arch>-gnu-X.Y.Z.tgz            the npm platform package of this machine
#   dist/npm/linux-<arch>-gnu/                                the platform package directories
# The platform package of the other Linux architecture is generated as a directory
# without its .node (a release builds it with this script on a machine of that
# architecture). Needs python3 (3.9+), pip, cargo, node (20+) and npm; maturin is
# installed into $VENV (default .venv, the test scripts' virtualenv).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"

bash scripts/check-versions.sh >/dev/null
version="$(node -p 'require("./package.json").version')"

case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) host=linux-x64-gnu; other=linux-arm64-gnu ;;
    Linux-aarch64) host=linux-arm64-gnu; other=linux-x64-gnu ;;
    *) echo "package.sh: builds on Linux x86_64 or aarch64 (glibc) only" >&2; exit 1 ;;
esac

rm -rf dist
mkdir -p dist/npm

echo "== package: maturin into $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "maturin>=1.9,<2"

echo "== package: Python wheel (abi3) and sdist"
"$VENV/bin/maturin" build --release --locked --out dist
"$VENV/bin/maturin" sdist --out dist

echo "== package: the procwright binary"
cargo build --release --locked -p procwright-cli
cp "$target_dir/release/procwright" dist/procwright

echo "== package: npm ci (builds the release .node and the TypeScript layer)"
npm ci --no-audit --no-fund --loglevel=error
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 \
    && ! git diff --quiet -- bindings-node/native/binding.js bindings-node/native/binding.d.ts; then
    echo "package.sh: bindings-node/native/binding.{js,d.ts} differ from what napi generates; commit them" >&2
    exit 1
fi

echo "== package: npm platform packages"
# One package per platform, as napi-rs names them (<name>-<platform>-<arch>-<abi>): the
# generated loader (bindings-node/native/binding.js) tries bindings-node/native/ first,
# then require('procwright-<platform>'). npm installs only the one whose os/cpu/libc fit.
for platform in linux-x64-gnu linux-arm64-gnu; do
    dir="dist/npm/$platform"
    mkdir -p "$dir"
    node - "$platform" "$dir" <<'JS'
const fs = require('fs')
const [platform, dir] = process.argv.slice(2)
const root = require(process.cwd() + '/package.json')
const [os, cpu, abi] = platform.split('-')
const file = `${root.napi.binaryName}.${platform}.node`
const pkg = {
  name: `${root.name}-${platform}`,
  version: root.version,
  description: `The ${platform} native addon of ${root.name} (installed by it; do not depend on it directly)`,
  license: root.license,
  repository: root.repository,
  os: [os],
  cpu: [cpu],
  libc: [abi === 'gnu' ? 'glibc' : 'musl'],
  main: file,
  files: [file],
  engines: root.engines,
}
fs.writeFileSync(`${dir}/package.json`, JSON.stringify(pkg, null, 2) + '\n')
fs.writeFileSync(`${dir}/README.md`, `# ${pkg.name}\n\nThe \`${platform}\` binary of [${root.name}](https://www.npmjs.com/package/${root.name}); npm installs it as an optional dependency of \`${root.name}\` on ${os} ${cpu} (${pkg.libc[0]}).\n`)
JS
done
cp "bindings-node/native/procwright.$host.node" "dist/npm/$host/"
(cd "dist/npm/$host" && npm pack --silent --pack-destination .. >/dev/null)
echo "dist/npm/$other/ has no procwright.$other.node: build it on $other with this script" > "dist/npm/$other/NOT-BUILT"

echo "== package: npm main package"
# Staged so that the tarball holds only what runs: no scripts (no install-time build),
# no devDependencies, the .node files left to the platform packages, which are pinned
# to this version as optionalDependencies (as `napi pre-publish` does at publish time).
stage="dist/npm/.stage"
mkdir -p "$stage/bindings-node/native"
cp -r bindings-node/js bindings-node/lib "$stage/bindings-node/"
cp bindings-node/native/binding.js bindings-node/native/binding.d.ts "$stage/bindings-node/native/"
cp README.md CHANGELOG.md "$stage/"
node - "$stage" <<'JS'
const fs = require('fs')
const stage = process.argv[2]
const pkg = require(process.cwd() + '/package.json')
delete pkg.scripts
delete pkg.devDependencies
pkg.optionalDependencies = Object.fromEntries(
  pkg.napi.targets
    .map((t) => ({ 'x86_64-unknown-linux-gnu': 'linux-x64-gnu', 'aarch64-unknown-linux-gnu': 'linux-arm64-gnu' })[t])
    .map((p) => [`${pkg.name}-${p}`, pkg.version]),
)
fs.writeFileSync(`${stage}/package.json`, JSON.stringify(pkg, null, 2) + '\n')
JS
(cd "$stage" && npm pack --silent --pack-destination .. >/dev/null)
rm -rf "$stage"

bash scripts/check-versions.sh
echo "== package: dist/"
(cd dist && find . -type f -not -path './npm/*/README.md' -printf '%10s  %p\n' | sort -k2)
