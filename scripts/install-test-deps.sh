#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, only when missing:
# openssh-server (playbooks against a real sshd), chromium (report rendering),
# CJK fonts (Chinese text must render, not tofu boxes). Idempotent; needs root or sudo.
set -euo pipefail
needed=()
for pkg in openssh-server openssh-client chromium fonts-noto-cjk; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
[ ${#needed[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
echo "installing test packages: ${needed[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
