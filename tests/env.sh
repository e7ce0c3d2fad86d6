# shellcheck shell=bash
# Shared locations for the test, lab and demo scripts (sourced, not run).
# Downloads live outside the checkout so a fresh clone reuses them and git never sees them.
export CONSUL_DNS_CACHE=${CONSUL_DNS_CACHE:-/var/cache/discovery-consul-dns}
export CONSUL_BIN=${CONSUL_BIN:-$CONSUL_DNS_CACHE/bin/consul}
export VENV=${VENV:-$CONSUL_DNS_CACHE/venv}

# This checkout as the collection discovery.consul_dns, for ansible and molecule run from scripts;
# a folder per checkout, so runs from two checkouts at once never re-point each other's link.
_consul_dns_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_consul_dns_key=$(printf %s "$_consul_dns_repo" | md5sum | cut -c1-12)
export ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-$CONSUL_DNS_CACHE/collections/$_consul_dns_key}
# the link goes in the first entry: a script sourced from another may find entries added after it
_consul_dns_collections=${ANSIBLE_COLLECTIONS_PATH%%:*}
mkdir -p "$_consul_dns_collections/ansible_collections/discovery"
# replaced only when it points elsewhere: ln -sfn removes it first, and ansible of a run beside this
# one (molecule while the lab is up) would not find the collection for that moment
if [[ $(readlink "$_consul_dns_collections/ansible_collections/discovery/consul_dns") != "$_consul_dns_repo" ]]; then
  ln -sfn "$_consul_dns_repo" "$_consul_dns_collections/ansible_collections/discovery/consul_dns"
fi
# the collections the test virtualenv's ansible package brings (community.crypto, community.general,
# ansible.posix): the scripts run with ansible-core alone (ecosystem tools, oldest versions) add them
CONSUL_DNS_BUNDLED_COLLECTIONS=$(echo "$VENV"/lib/python3*/site-packages)
export CONSUL_DNS_BUNDLED_COLLECTIONS
export PATH=$VENV/bin:$PATH
