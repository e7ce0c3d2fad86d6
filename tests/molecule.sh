#!/usr/bin/env bash
# molecule test of the seed topology (molecule/default): the lab image and the scenario's network
# are made first; leftovers of a killed run are removed by name before and after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
export CONTAINERS_CONF=$CONSUL_DNS_CACHE/lab/containers.conf
lab() { LAB_PREFIX=cdns-mol- LAB_NETWORK=cdns-molnet LAB_SUBNET=10.89.60.0/24 bash "$here/lab/lab.sh" "$@"; }
cleanup() { lab down; }
trap cleanup EXIT
lab image
lab down
# a network of its own for this run (see lab.sh), named in molecule.yml through this variable
export CDNS_MOL_NETWORK="cdns-molnet-$(date +%s)"
lab network "$CDNS_MOL_NETWORK" 10.89.60.0/24
cd "$(dirname "$here")"
molecule test -s "${1:-default}"
