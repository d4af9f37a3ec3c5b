#!/usr/bin/env bash
# Fails when the places that carry procwright's version disagree. The source is
# [workspace.package] version in Cargo.toml (set it with scripts/set-version.sh).
# Checked: every workspace crate (cargo metadata), Cargo.lock, package.json,
# package-lock.json, a CHANGELOG.md section, and, when present, the artifacts in
# dist/ (wheel and sdist names, npm tarballs' package.json, the binary's --version).
set -euo pipefail
cd "$(dirname "$0")/.."

expected="$(awk '
    /^\[/ { section = $0 }
    section == "[workspace.package]" && /^version[[:space:]]*=/ { gsub(/.*=[[:space:]]*"|".*/, ""); print; exit }
' Cargo.toml)"
if [ -z "$expected" ]; then
    echo "check-versions: no version in Cargo.toml [workspace.package]" >&2
    exit 1
fi

errors=0
check() { # what actual
    if [ "$2" != "$expected" ]; then
        echo "check-versions: $1 is '$2', Cargo.toml says '$expected'" >&2
        errors=$((errors + 1))
    fi
}

# Every workspace crate (and so the wheel, which maturin names from the
# bindings-python crate, and `procwright --version`, clap's CARGO_PKG_VERSION).
while read -r name version; do
    check "crate $name" "$version"
done < <(cargo metadata --offline --no-deps --format-version 1 \
    | node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const p of m.packages) console.log(p.name, p.version)')

# Cargo.lock's entries for the workspace crates.
for crate in procwright procwright-cli procwright-python procwright-node procwright-benches; do
    locked="$(awk -v n="$crate" '$0 == "name = \"" n "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
    [ -n "$locked" ] && check "Cargo.lock $crate" "$locked"
done

# npm: package.json and its lock.
check package.json "$(node -p 'require("./package.json").version')"
check "package-lock.json version" "$(node -p 'require("./package-lock.json").version')"
check "package-lock.json packages[\"\"]" "$(node -p 'require("./package-lock.json").packages[""].version')"

# The version napi wrote into the committed loader.
while read -r v; do
    check "bindings-node/native/binding.js" "$v"
done < <(grep -o "bindingPackageVersion !== '[^']*'" bindings-node/native/binding.js | cut -d"'" -f2 | sort -u)

# CHANGELOG.md has a section for it.
if ! grep -Eq "^## \[$expected\]" CHANGELOG.md; then
    echo "check-versions: CHANGELOG.md has no '## [$expected]' section" >&2
    errors=$((errors + 1))
fi

# Built artifacts, when dist/ has them.
if [ -d dist ]; then
    for f in dist/*.whl; do
        [ -e "$f" ] || continue
        check "wheel $(basename "$f")" "$(basename "$f" | cut -d- -f2)"
    done
    for f in dist/*.tar.gz; do
        [ -e "$f" ] || continue
        base="$(basename "$f" .tar.gz)"
        check "sdist $(basename "$f")" "${base#procwright-}"
    done
    for f in dist/npm/*.tgz; do
        [ -e "$f" ] || continue
        check "npm $(basename "$f")" "$(tar -xOzf "$f" package/package.json | node -e 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).version)')"
        # The main package's optionalDependencies pin the platform packages to it.
        while read -r dep version; do
            check "npm $(basename "$f") optionalDependencies $dep" "$version"
        done < <(tar -xOzf "$f" package/package.json | node -e 'const p = JSON.parse(require("fs").readFileSync(0, "utf8")); for (const [k, v] of Object.entries(p.optionalDependencies || {})) console.log(k, v)')
    done
    for f in dist/npm/*/package.json; do
        [ -e "$f" ] || continue
        check "$f" "$(node -p "require('./$f').version")"
    done
    if [ -x dist/procwright ]; then
        check "dist/procwright --version" "$(dist/procwright --version | awk '{print $2}')"
    fi
fi

if [ "$errors" -ne 0 ]; then
    echo "check-versions: $errors mismatch(es)" >&2
    exit 1
fi
echo "check-versions: every version is $expected"
