#!/usr/bin/env bash
# Installs the Debian packages the playbooks drive for real, only when missing: rsync (the data
# mover, on both hosts), postgresql and mariadb-server (database replicas and the test fixtures
# in tests/services/). Idempotent; needs root or sudo.
set -euo pipefail
needed=()
for pkg in rsync postgresql mariadb-server mariadb-client; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
[ ${#needed[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
echo "installing database packages: ${needed[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
