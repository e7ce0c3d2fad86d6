#!/usr/bin/env bash
# molecule test of the reference topology (molecule/default) on two Debian releases: the lab's images
# (tests/lab/lab.sh) and the scenario's network are made first; leftovers of a killed run are removed
# by name before and after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
export CONTAINERS_CONF=$CONSUL_DNS_CACHE/lab/containers.conf
# the hosts' Debian releases, two, as lab.sh's LAB_RELEASE takes them: 11 and 12 unless
# MOLECULE_RELEASES says otherwise (the lab proves 13, molecule the releases before it). Each release has
# a server, a backend and both resolver modes, the second the forwarders too (molecule.yml); one release
# given runs all hosts on it. molecule.yml names the images through CDNS_MOL_IMAGE_1 and CDNS_MOL_IMAGE_2.
read -r -a releases <<<"${MOLECULE_RELEASES:-bullseye bookworm}"
if ((${#releases[@]} == 1)); then releases+=("${releases[0]}"); fi
if ((${#releases[@]} != 2)); then
  echo "MOLECULE_RELEASES: one or two Debian releases, not '${MOLECULE_RELEASES:-}'" >&2
  exit 2
fi
lab() { LAB_PREFIX=cdns-mol- LAB_NETWORK=cdns-molnet LAB_SUBNET=10.89.60.0/24 bash "$here/lab/lab.sh" "$@"; }
CDNS_MOL_IMAGE_1=$(LAB_RELEASE=${releases[0]} lab image-name)
CDNS_MOL_IMAGE_2=$(LAB_RELEASE=${releases[1]} lab image-name)
export CDNS_MOL_IMAGE_1 CDNS_MOL_IMAGE_2
# the CA and agent keys the converge makes (molecule/default/converge.yml)
CDNS_MOL_TLS_DIR=$(mktemp -d)
export CDNS_MOL_TLS_DIR
# the CA an operator brings (consul_tls_ca_cert, consul_tls_ca_key): <prefix>.pem and <prefix>-key.pem
export CDNS_MOL_OPERATOR_CA=$CDNS_MOL_TLS_DIR/operator-ca
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 -subj "/CN=Operator CA (molecule)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$CDNS_MOL_OPERATOR_CA-key.pem" -out "$CDNS_MOL_OPERATOR_CA.pem" 2>/dev/null
chmod 0600 "$CDNS_MOL_OPERATOR_CA-key.pem"
converge_log=$CDNS_MOL_TLS_DIR.converge.log
streams=()
# molecule (ansible-compat's prerun) installs a copy of this checkout in ~/.ansible/collections, first in
# the collection path of later tools (ansible-lint then misses a module added since): removed after
cleanup() {
  ((${#streams[@]} == 0)) || kill "${streams[@]}" 2>/dev/null || true
  lab down
  rm -rf "$CDNS_MOL_TLS_DIR" "$converge_log" "$converge_log.patterns" "$converge_log.prepare" \
    "$HOME/.ansible/collections/ansible_collections/discovery/consul_dns"
}
trap cleanup EXIT
for release in "${releases[@]}"; do LAB_RELEASE=$release lab image; done
lab down
# a network of its own for this run (see lab.sh), named in molecule.yml through this variable
CDNS_MOL_NETWORK="cdns-molnet-$(date +%s)"
export CDNS_MOL_NETWORK
lab network "$CDNS_MOL_NETWORK" 10.89.60.0/24
cd "$(dirname "$here")"
# molecule test's sequence (molecule.yml), with the TLS converge verbose and with diffs, whose
# output must not hold a line of any private key it made
scenario=${1:-default}
molecule destroy -s "$scenario"
# create runs prepare.yml too: a running plain cluster, in which converge.yml then turns TLS on while a
# client asks the forwarder for the web service every 50 ms (no answer may fail or be empty)
started=$SECONDS
if ! ANSIBLE_LOG_PATH=$converge_log.prepare molecule create -s "$scenario" >/dev/null 2>&1; then
  tail -n 200 "$converge_log.prepare"
  exit 1
fi
echo "the plain cluster converged in $((SECONDS - started)) s (prepare.yml)"
grep -A 8 'PLAY RECAP' "$converge_log.prepare" | cut -d '|' -f 2-
# each forwarder asked while TLS is turned on
for forwarder in 10.89.60.31 10.89.60.32; do
  "$VENV/bin/python" "$here/lab/query_stream.py" $forwarder web.service.zhangeamon.com 10.89.60.21 10.89.60.22 &
  streams+=("$!")
done
# ansible's own log: molecule's console wraps long lines
started=$SECONDS
if ! ANSIBLE_LOG_PATH=$converge_log molecule converge -s "$scenario" -- -vvv --diff >/dev/null 2>&1; then
  kill "${streams[@]}"; wait "${streams[@]}" || true
  tail -n 200 "$converge_log"
  exit 1
fi
echo "TLS turned on in the running cluster in $((SECONDS - started)) s (the converge, -vvv --diff)"
kill "${streams[@]}"
for stream in "${streams[@]}"; do
  if ! wait "$stream"; then
    # the converge's timestamps place each failed answer's time in a step
    cp "$converge_log" "${TMPDIR:-/tmp}/molecule-tls-converge.log"
    echo "a forwarder failed answers while TLS was turned on; the converge's log: ${TMPDIR:-/tmp}/molecule-tls-converge.log" >&2
    exit 1
  fi
done
streams=()
grep -A 8 'PLAY RECAP' "$converge_log" | cut -d '|' -f 2-
# whole 64-character lines only: the last line of an EC key holds its public key, shown by design
keys=0
for key in "$CDNS_MOL_TLS_DIR"/*key*.pem "$CDNS_MOL_TLS_DIR"/agents/*/*key*.pem; do
  keys=$((keys + 1))
  grep -xE '[A-Za-z0-9+/]{64}' "$key" >"$converge_log.patterns"
  if grep -F -q -f "$converge_log.patterns" "$converge_log"; then
    echo "a line of the private key $(basename "$key") appears in the verbose converge output" >&2
    exit 1
  fi
done
echo "private keys searched for in the verbose converge output ($(wc -c <"$converge_log") bytes): $keys, none found"
# the lab's connection (molecule.yml), not a podman start per command: its -vvv line for each command
grep -q '> NSENTER \[' "$converge_log" || { echo "the converge did not run through podman_nsenter" >&2; exit 1; }
molecule idempotence -s "$scenario"
molecule verify -s "$scenario"
molecule destroy -s "$scenario"
