#!/usr/bin/env bash
# Installs everything the tests, the lab and the demo need on a fresh Debian 12 machine (as root):
# system packages, the Consul 1.8.7 binary from Debian's bullseye suite (MPL-2.0; never a newer,
# non-open release), and Python virtualenvs: the tests' (ansible, molecule, py-consul, dnspython), the
# ecosystem tools' and the oldest supported versions'.
# Idempotent: a second run only checks.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/env.sh
. "$here/env.sh"

log() { printf '[setup] %s\n' "$*"; }

apt_packages=(
  # DNS checks with real queries, and the dnsmasq binary for local (non-lab) tests
  bind9-dnsutils dnsmasq-base dnsperf
  # TLS material for the TLS test agent
  openssl
  # the podman lab (tests/lab/): runc, not crun, on this machine kind
  podman runc conmon netavark aardvark-dns fuse-overlayfs slirp4netns uidmap catatonit iptables debootstrap
  git
  # the rendered docs are opened in it (tests/docs.sh)
  chromium
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt: installing ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# Consul 1.8.7: bullseye is the last Debian suite that packages it. Only the binary is extracted
# into the cache; the host's apt sources are left as they were.
if [[ ! -x "$CONSUL_BIN" ]]; then
  log "consul: fetching 1.8.7 from Debian bullseye"
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  aptroot="$CONSUL_DNS_CACHE/apt-bullseye"
  mkdir -p "$aptroot/lists/partial" "$aptroot/archives/partial" "$aptroot/etc"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main" >"$aptroot/etc/sources.list"
  aptopts=(-o "Dir::Etc::SourceList=$aptroot/etc/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$aptroot/lists" -o "Dir::Cache::Archives=$aptroot/archives"
    -o "Dir::Cache=$aptroot" -o "APT::Get::List-Cleanup=0")
  apt-get "${aptopts[@]}" update -q >/dev/null
  (cd "$aptroot" && apt-get "${aptopts[@]}" download consul >/dev/null)
  debs=("$aptroot"/consul_*.deb)
  deb=${debs[0]}
  rm -rf "$aptroot/x" && dpkg-deb -x "$deb" "$aptroot/x"
  install -D -m 0755 "$aptroot/x/usr/bin/consul" "$CONSUL_BIN"
  rm -rf "$aptroot/x"
fi
log "consul: $("$CONSUL_BIN" version | head -n1)"

# Python: a virtualenv for the controller side (ansible, molecule, tests), one for the ecosystem's
# tools (lint, Galaxy's importer, changelog, docs) and one with the oldest versions the collection
# claims (tests/compat.sh); each is made again when its requirements file changes.
venv() {
  local dir=$1 requirements=$2
  if [[ ! -x "$dir/bin/python" ]] || ! cmp -s "$requirements" "$dir/.requirements.txt"; then
    log "venv: installing $(basename "$requirements") into $dir"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$dir/.requirements.txt"
  fi
}
venv "$VENV" "$here/requirements.txt"
venv "$CONSUL_DNS_CACHE/venv-tools" "$here/requirements-tools.txt"
venv "$CONSUL_DNS_CACHE/venv-oldest" "$here/requirements-oldest.txt"
# sed reads to the end: head would close the pipe on ansible, which prints a BrokenPipe traceback
log "venv: $("$VENV/bin/ansible" --version | sed -n 1p); oldest: $("$CONSUL_DNS_CACHE/venv-oldest/bin/ansible" --version | sed -n 1p)"
