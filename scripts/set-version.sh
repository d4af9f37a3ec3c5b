#!/usr/bin/env bash
# Sets the one version of procwright: [workspace.package] version in Cargo.toml (the
# source every crate, the wheel and the CLI's --version read), Cargo.lock's entries for
# the workspace crates, and package.json + package-lock.json (the npm package; the
# per-platform packages are generated from package.json by scripts/package.sh).
# Usage: bash scripts/set-version.sh X.Y.Z   (then: bash scripts/check-versions.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-}"
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "usage: $0 X.Y.Z (a semver version, e.g. 0.2.0 or 0.3.0-rc.1)" >&2
    exit 2
fi

# Cargo.toml: the `version` line inside [workspace.package] only.
awk -v v="$version" '
    /^\[/ { section = $0 }
    section == "[workspace.package]" && /^version[[:space:]]*=/ { print "version = \"" v "\""; done = 1; next }
    { print }
    END { if (!done) { print "no version in [workspace.package]" > "/dev/stderr"; exit 1 } }
' Cargo.toml > Cargo.toml.tmp
mv Cargo.toml.tmp Cargo.toml

# Cargo.lock: only the workspace's own crates change (no registry access).
cargo update --workspace --offline --quiet

# package.json and package-lock.json: edited as JSON (not `npm version`, whose lock
# rewrite depends on the npm release that runs it).
node - "$version" <<'JS'
const fs = require('fs')
const version = process.argv[2]
for (const file of ['package.json', 'package-lock.json']) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'))
  json.version = version
  if (json.packages && json.packages['']) json.packages[''].version = version
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n')
}
JS

# bindings-node/native/binding.js: napi writes package.json's version into the loader
# (its check of the platform package's version); the committed copy must stay what
# `napi build` generates (scripts/test-node.sh compares them).
old="$(grep -o "bindingPackageVersion !== '[^']*'" bindings-node/native/binding.js | head -1 | cut -d"'" -f2)"
if [ -n "$old" ]; then
    sed -i "s/bindingPackageVersion !== '$old'/bindingPackageVersion !== '$version'/; s/expected $old but got/expected $version but got/" \
        bindings-node/native/binding.js
fi

echo "version set to $version (Cargo.toml, Cargo.lock, package.json, package-lock.json, bindings-node/native/binding.js)"
echo "add a '## [$version]' section to CHANGELOG.md if it has none"
