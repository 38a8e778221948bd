#!/usr/bin/env bash
# Installs Keystone and neutron-server (Debian 12: OpenStack Zed) for the OpenStack test tier
# (tests/openstack/), only when missing. Idempotent; needs root or passwordless sudo.
#
# The packages would otherwise ask for a database server, RabbitMQ and endpoint registration
# (debconf, pre-seeded "no" below: the tier configures its own databases - Keystone on SQLite,
# Neutron on the test set-up's PostgreSQL, installed by install-databases.sh, through
# python3-psycopg2 - and fake messaging) and start their services on all interfaces at install time. The tier starts its own
# instances on 127.0.0.1 on free ports, so nothing may start now: a policy-rc.d that refuses every
# start is put in place for the install when the machine has none, and removed afterwards.
set -euo pipefail

packages=(keystone neutron-server uwsgi-core uwsgi-plugin-python3 python3-psycopg2)
needed=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || needed+=("$pkg")
done
[ ${#needed[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
POLICY_RC=/usr/sbin/policy-rc.d
created_policy_rc=""
cleanup() {
  if [ -n "$created_policy_rc" ]; then
    $SUDO rm -f "$POLICY_RC"
  fi
}
trap cleanup EXIT

if [ ! -e "$POLICY_RC" ]; then
  printf '#!/bin/sh\n# no service starts during the OpenStack test-tier install\nexit 101\n' \
    | $SUDO tee "$POLICY_RC" >/dev/null
  $SUDO chmod 755 "$POLICY_RC"
  created_policy_rc=1
fi

# No database configuration, no broker, no endpoint registration by the maintainer scripts.
$SUDO debconf-set-selections <<'EOF'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
neutron-common neutron/configure_db boolean false
neutron-common neutron/configure_rabbit boolean false
neutron-common neutron/configure_ksat boolean false
neutron-common neutron/configure_nova boolean false
neutron-api neutron/configure_api-endpoint boolean false
EOF

echo "installing OpenStack test services: ${needed[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
