#!/usr/bin/env bash
# `make bench`: every benchmark, on a lab built for the purpose and torn down afterwards (also on
# failure or Ctrl-C). Prints each figure beside its reference; a copy goes to benchmarks/last-run.txt.
# Takes about 35 minutes, most of it the community.general side of the provisioning comparison.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$repo/tests/env.sh"
bash "$repo/tests/setup-host.sh"
command -v dnsperf >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q dnsperf >/dev/null
export CONTAINERS_CONF=/var/cache/discovery-consul-dns/lab/containers.conf

exec > >(tee "$here/last-run.txt") 2>&1
echo "== machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r)"
echo "== started $(date -u +%FT%TZ)"

trap 'bash "$repo/tests/lab/lab.sh" down >/dev/null 2>&1 || true' EXIT
bash "$repo/tests/lab/lab.sh" up
cd "$here"
failed=()
run() {  # one benchmark; a failure is reported at the end and does not stop the others
  echo "== $1"
  python "$2" || failed+=("$1")
}
run "4. site.yml re-run" site_rerun.py    # converges the lab first
echo "== versions: $("$CONSUL_BIN" version | head -1), dnsmasq $(podman exec cdns-lab-dns1 dnsmasq --version | head -1 | awk '{print $3}') on the lab, $(ansible --version | head -1), dnsperf $(dpkg-query -W -f='${Version}' dnsperf)"
run "1. DNS throughput and latency" dns_throughput.py
run "2. failover" failover.py
run "6. memory" memory.py
run "5. lookup latency" lookup_latency.py
run "7. rolling deploy" rolling_deploy.py
run "9. failover between datacenters" dc_failover.py
run "8. restore" restore.py              # last on the lab: it wipes the servers' state and restores it
run "3. provisioning at scale" provisioning.py
echo "== finished $(date -u +%FT%TZ)${failed:+; FAILED: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
