# Shared locations for the test, lab and demo scripts (sourced, not run).
# Downloads live outside the checkout so a fresh clone reuses them and git never sees them.
export CONSUL_DNS_CACHE=${CONSUL_DNS_CACHE:-/var/cache/discovery-consul-dns}
export CONSUL_BIN=${CONSUL_BIN:-$CONSUL_DNS_CACHE/bin/consul}
export VENV=${VENV:-$CONSUL_DNS_CACHE/venv}
