#!/usr/bin/env bash
# Installs the npm tools that the webassets filter tests run (scripts/node-tools/package.json:
# lessc for webassets' less filter, cleancss for its cleancss filter) into
# scripts/node-tools/node_modules, pinned by the lock file. Runs as part of `make test`; a no-op
# when the installed tree matches the lock. Without npm it says so, and the tests that need the
# tools are skipped (CI fails them instead).
set -euo pipefail
cd "$(dirname "$0")/node-tools"
stamp=node_modules/.installed
if [ -e "$stamp" ] && [ "$stamp" -nt package-lock.json ] && [ "$stamp" -nt package.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "node-tools: npm is not installed; the tests that run lessc and cleancss will be skipped" >&2
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
touch "$stamp"
