#!/usr/bin/env bash
# Installs the Debian packages that the browser tests drive (Chromium). Runs as part of
# `make test`; a no-op where chromium is already installed. Needs root (CI runs as root).
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "system-deps: chromium is missing and this is not root; browser tests will be skipped" >&2
    echo "system-deps: install it with: sudo apt-get install -y chromium" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
