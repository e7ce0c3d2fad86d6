#!/usr/bin/env bash
# The demo: builds the lab (10 podman hosts), runs site.yml, and shows, with real queries through
# the dnsmasq forwarder, discovery, round-robin, a backend failing and coming back, an alias, a
# backend taken out and put back for a deploy while a client keeps connecting, application hosts
# resolving through glibc, and upstream forwarding. Takes a few minutes on a fresh machine.
# Tear down: tests/lab/lab.sh down
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../env.sh"
export CONTAINERS_CONF=$CONSUL_DNS_CACHE/lab/containers.conf ANSIBLE_CONFIG=$here/ansible.cfg

# each step says how long the one before it took; long steps print their progress as it comes
step_started=
step() {
  [[ -z $step_started ]] || printf '(%ss)\n' "$((SECONDS - step_started))"
  step_started=$SECONDS
  printf '\n\033[1m== %s\033[0m\n' "$*"
}
trap '[[ -z $step_started ]] || printf "(%ss)\n" "$((SECONDS - step_started))"' EXIT
on() { local host=$1; shift; podman exec "cdns-lab-$host" "$@" 2>/dev/null; }
FORWARDER=10.89.50.31
dig_web() { on web1 dig +short +time=2 +tries=1 @"$FORWARDER" "$@"; }
since() { awk -v start="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - start }'; }

step "Installing what the demo needs (apt packages, Consul 1.8.7 from Debian bullseye, a virtualenv)"
bash "$here/../setup-host.sh" 2> >(grep -v "is ignored: it is neither" >&2)

step "Building the lab: 3 Consul servers, 3 web backends, an application host, 2 dnsmasq forwarders, an upstream resolver"
bash "$here/lab.sh" up

step "Running the collection's site.yml on the lab (first run: installs everything)"
# a line per play and per task as it starts (unbuffered: a new user sees ten minutes of work as it happens)
(cd "$here" && ansible-playbook converge.yml | grep --line-buffered -E "^(PLAY|TASK \[discovery|.*: ok=)" | sed -u 's/ \*\+$//')

step "Raft: 3 servers, one leader (ACLs deny by default; the management token stays on the controller)"
podman exec -e CONSUL_HTTP_TOKEN="$(cat "$here/.consul-bj-management.token")" -e CONSUL_HTTP_ADDR=https://127.0.0.1:8501 \
  -e CONSUL_CACERT=/etc/consul.d/tls/ca.pem -e CONSUL_CLIENT_CERT=/etc/consul.d/tls/agent.pem \
  -e CONSUL_CLIENT_KEY=/etc/consul.d/tls/agent-key.pem cdns-lab-node1 consul operator raft list-peers

step "Discovery through dnsmasq ($FORWARDER): web.service.zhangeamon.com, asked 4 times from web1"
for _ in 1 2 3 4; do dig_web web.service.zhangeamon.com | tr '\n' ' '; echo; done

step "The lookup plugin, from the controller, through the forwarder (via=dns)"
ansible localhost -i localhost, -c local -m ansible.builtin.debug -a \
  "msg={{ query('discovery.consul_dns.consul_backends', 'web', via='dns', dns_server='$FORWARDER', domain='zhangeamon.com', format='address_port', order='sorted') }}" \
  | sed -n '/msg/,/]/p'

step "Failover: stopping web2's backend (its TCP check fails 3 times, 1 s apart)"
on web2 systemctl stop web-backend
start=$(date +%s.%N)
until ! dig_web web.service.zhangeamon.com | grep -q 10.89.50.22; do sleep 0.25; done
printf 'web2 left the answers after %s s: %s\n' "$(since "$start")" "$(dig_web web.service.zhangeamon.com | tr '\n' ' ')"

step "Aliases follow health while web2 is down: any name (web.zhangeamon.com, through dnsmasq) and www.service (Consul)"
on web1 dig +noall +answer @"$FORWARDER" web.zhangeamon.com
on web1 dig +noall +answer @"$FORWARDER" www.service.zhangeamon.com

step "Recovery: starting web2's backend again (3 successful checks)"
on web2 systemctl start web-backend
start=$(date +%s.%N)
until dig_web web.service.zhangeamon.com | grep -q 10.89.50.22; do sleep 0.25; done
printf 'web2 is back after %s s: %s\n' "$(since "$start")" "$(dig_web web.service.zhangeamon.com | tr '\n' ' ')"
on web1 dig +noall +answer @"$FORWARDER" web.zhangeamon.com

step "A deploy without a failed connection: web3 taken out with consul_maintenance, its listener restarted, put back"
python3 - "$here" <<'PY' &
import sys, time
sys.path.insert(0, sys.argv[1])
from labdns import ConnectingClient
with ConnectingClient("web.zhangeamon.com") as client:   # resolves through both forwarders, connects to every address
    time.sleep(28)
print("a client connecting every 50 ms meanwhile: %d connections, %d failed" % (client.counts["connected"], client.failed()))
PY
client=$!
maintenance() {  # consul_maintenance on web3's own agent with web3's own token (never the management token), waiting until both forwarders answer accordingly
  ansible web3 -m discovery.consul_dns.consul_maintenance -e ansible_python_interpreter=/opt/discovery-consul-dns/venv/bin/python \
    -a "$(printf '{"service_id": "web03", "state": "%s", "wait_for_checks": %s, "checks_passing_for": 4, "scheme": "https", "port": 8501,
                   "ca_path": "/etc/consul.d/tls/ca.pem", "client_cert": "/etc/consul.d/tls/agent.pem",
                   "client_key": "/etc/consul.d/tls/agent-key.pem", "token_file": "/etc/consul.d/agent.token",
                   "wait_for_dns": {"resolvers": ["10.89.50.31", "10.89.50.32"], "domain": "zhangeamon.com",
                                    "names": ["web.service.zhangeamon.com", "web.zhangeamon.com"]}}' \
           "$1" "$2")" | grep -E "CHANGED|SUCCESS|FAILED|seconds|\"msg" | head -4
}
sleep 2
maintenance enabled false
printf 'web3 out of the answers: %s\n' "$(dig_web web.service.zhangeamon.com | tr '\n' ' ')"
on web3 systemctl restart web-backend
maintenance disabled true
printf 'web3 back: %s\n' "$(dig_web web.service.zhangeamon.com | tr '\n' ' ')"
wait "$client"

step "The reference topology's own cname= line, kept for comparison: a bare CNAME, no address"
on web1 dig +noall +answer @"$FORWARDER" seed-broken.internal.example

step "A prepared query cached by dnsmasq for 5 s: the TTL counts down"
on web1 dig +noall +answer @"$FORWARDER" webc.query.zhangeamon.com | head -n1
sleep 2
on web1 dig +noall +answer @"$FORWARDER" webc.query.zhangeamon.com | head -n1

step "Application hosts resolve through glibc (the resolver role): client1 asks the forwarders for every name"
on client1 grep -v '^#' /etc/resolv.conf
on client1 getent ahostsv4 web.zhangeamon.com | grep STREAM
step "web1 runs systemd-resolved: the forwarders for the Consul domain and the aliases only (split DNS)"
on web1 resolvectl status | sed -n '/^Global/,/^$/p' | grep -E "DNS (Servers|Domain)"
on web1 resolvectl dns eth0
on web1 getent ahostsv4 rails.internal.example | grep STREAM

step "Everything else goes upstream: www.example.test (served by the lab's upstream resolver)"
dig_web www.example.test

step "A second run of site.yml changes nothing"
(cd "$here" && ansible-playbook converge.yml | grep --line-buffered -E ": ok=")

printf '\nThe lab keeps running. Tear it down with: bash tests/lab/lab.sh down\n'
