#!/usr/bin/env bash
# Installs the Debian packages that tests drive: Chromium (the browser tests) and nginx with its
# brotli_static module (the serving recipe, tests/recipes), redis-server and memcached (the
# session stores of tests/examples/test_sessions.py). Runs as part of `make test`; a no-op
# where they are already installed. Needs root (CI runs as root); without it, says what to install
# and the tests that need the missing packages are skipped.
set -euo pipefail

BROTLI_MODULE=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -e "$BROTLI_MODULE" ] || missing+=(libnginx-mod-http-brotli-static)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v memcached >/dev/null 2>&1 || missing+=(memcached)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing ${missing[*]} and this is not root; the tests that need them will be skipped" >&2
    echo "system-deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The brotli module is packaged from Debian 12 (bookworm) on; elsewhere, go without it.
available=()
for package in "${missing[@]}"; do
    if apt-cache show "$package" >/dev/null 2>&1; then
        available+=("$package")
    else
        echo "system-deps: no package $package here; the tests that need it will be skipped" >&2
    fi
done
[ ${#available[@]} -gt 0 ] || exit 0
# The tests start nginx, redis-server and memcached themselves; keep the packages from starting
# servers on their ports where no policy says otherwise (container images usually have one).
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq "${available[@]}" >/dev/null
