#!/usr/bin/env bash
# Fails when package-lock.json (or benches/package-lock.json) differs from what is
# committed: run after the installs (`npm ci` never writes the lock, so a difference
# means something ran `npm install`). With npm 11 or later (the release that wrote the
# committed locks) it also asks npm to resolve package.json again without installing
# (`npm install --package-lock-only`) and fails if that would change a lock, i.e. the
# lock no longer matches package.json. npm 10 writes locks without the `libc` fields,
# so that part is skipped there.
set -euo pipefail
cd "$(dirname "$0")/.."

locks=(package-lock.json)
[ -f benches/package-lock.json ] && locks+=(benches/package-lock.json)

if ! git diff --exit-code -- "${locks[@]}"; then
    echo "check-locks: an install changed ${locks[*]} (use npm ci, or commit a regenerated lock)" >&2
    exit 1
fi

npm_major="$(npm --version | cut -d. -f1)"
if [ "$npm_major" -ge 11 ]; then
    for lock in "${locks[@]}"; do
        (cd "$(dirname "$lock")" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    done
    if ! git diff --exit-code -- "${locks[@]}"; then
        git checkout -- "${locks[@]}"
        echo "check-locks: package.json and the lock disagree: regenerate it with npm >= 11 (npm install --package-lock-only) and commit it" >&2
        exit 1
    fi
else
    echo "check-locks: npm $(npm --version) < 11: skipped the re-resolution check"
fi
echo "check-locks: ${locks[*]} unchanged"
