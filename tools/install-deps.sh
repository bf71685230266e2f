#!/usr/bin/env bash
# Installs what lawexam needs on Debian 12, as root, skipping what is already there.
#   tools/install-deps.sh          build and run (the demo); libpq for the PostgreSQL driver (SPEC §11)
#   tools/install-deps.sh --test   also what the tests need (cmocka, clang, chromium, openpyxl, node, pdftotext,
#                                  zbarimg; PostgreSQL 15, HAProxy, Patroni and etcd for the e2e_pg and cluster tests)
set -euo pipefail
pkgs=(build-essential cmake pkg-config libevent-dev libssl-dev libsqlite3-dev libjansson-dev
      libargon2-dev libxlsxwriter-dev libzip-dev libexpat1-dev zlib1g-dev libjemalloc-dev openssl ca-certificates
      libcairo2-dev libpango1.0-dev libqrencode-dev fonts-noto-cjk libpq-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev python3 python3-openpyxl clang libclang-rt-14-dev chromium poppler-utils zbar-tools
         postgresql-15 postgresql-client-15 haproxy patroni etcd-server)
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
