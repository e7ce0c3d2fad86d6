#!/usr/bin/env bash
# The multi-host lab: podman containers running systemd on one private network, each a separate
# host with a fixed address. Lab addresses (10.89.50.0/24, molecule: 10.89.60.0/24) and loopback
# are the only addresses anything in this project sends to; hosts reach Debian's mirror and PyPI
# through podman's NAT.
#
#   lab.sh image        build the systemd image of LAB_RELEASE (debootstrap; no registry needed)
#   lab.sh up           (re)create the network and the hosts of tests/lab/hosts.txt
#   lab.sh down         remove them
#   lab.sh rebuild HOST a host destroyed and made anew from the image (same name and address)
#   lab.sh network NAME SUBNET   create a network (for molecule), removing an old one first
#                                (with LAB_NETWORK=<prefix of NAME>, `down` removes it again)
#   lab.sh exec HOST CMD...      run a command on a host
#   lab.sh image-name   print the image's name (for molecule.yml, through tests/molecule.sh)
#
# LAB_RELEASE chooses the Debian release of the hosts, by number or by codename:
#   11 or bullseye, 12 or bookworm, 13 or trixie (the default: what new machines run).
# Each release has its own image, localhost/cdns-debian<N>-systemd:latest, and its own cached rootfs
# tarball, debian<N>-systemd-rootfs.tar, each built once; anything else is refused.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/env.sh
. "$here/../env.sh"

LAB_RELEASE=${LAB_RELEASE:-trixie}
case $LAB_RELEASE in
  11 | bullseye) RELEASE=11 SUITE=bullseye ;;
  12 | bookworm) RELEASE=12 SUITE=bookworm ;;
  13 | trixie) RELEASE=13 SUITE=trixie ;;
  *)
    printf "[lab] unknown LAB_RELEASE '%s': use 11 or bullseye, 12 or bookworm, 13 or trixie\n" "$LAB_RELEASE" >&2
    exit 2
    ;;
esac
IMAGE=localhost/cdns-debian$RELEASE-systemd:latest
# systemd 257 (Debian 13) keeps CAP_SYS_ADMIN across a unit's User= to set up its sandbox, which a
# container lacks by default: systemd-resolved then fails at step USER. A real host has it.
HOST_CAPS=(--cap-add NET_ADMIN)
if ((RELEASE >= 13)); then HOST_CAPS+=(--cap-add SYS_ADMIN); fi
# The packages the lab's hosts start with: the same names on 11, 12 and 13. dig comes from
# bind9-dnsutils, as dnsutils is only a transitional package in 11 and 12 and is gone in 13.
PACKAGES=systemd,systemd-sysv,dbus,python3,python3-apt,iproute2,iputils-ping,procps,curl,ca-certificates,sudo,netcat-openbsd,bind9-dnsutils
PREFIX=${LAB_PREFIX:-cdns-lab-}
# a prefix: every bring-up makes a network of its own, because netavark keeps IP allocations by
# network name and does not always release them when containers are removed on this machine
NETWORK=${LAB_NETWORK:-cdns-lab}
SUBNET=${LAB_SUBNET:-10.89.50.0/24}
LABDIR=$CONSUL_DNS_CACHE/lab
export CONTAINERS_CONF=$LABDIR/containers.conf

log() { printf '[lab] %s\n' "$*" >&2; }
# podman's stderr goes to a file: conmon, forked by `podman run -d`, would otherwise keep the
# caller's pipe open forever. Its errors are shown when a command fails, without the known noise.
# A file per prefix: molecule may run while the lab is up.
podman() {
  mkdir -p "$LABDIR"
  if ! command podman "$@" </dev/null 2>"$LABDIR/podman-${PREFIX%-}.err"; then
    grep -v -e "failed to connect to syslog" -e "87-podman-bridge" "$LABDIR/podman-${PREFIX%-}.err" >&2 || true
    return 1
  fi
}

containers_conf() {
  mkdir -p "$LABDIR"
  # runc (crun cannot run hybrid cgroups here) and ulimits within this VM's hard limits; replaced
  # whole, never truncated in place, as a podman of a run beside this one may be reading it
  cat >"$CONTAINERS_CONF.$$" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
  mv "$CONTAINERS_CONF.$$" "$CONTAINERS_CONF"
}

# The lab and molecule (run at once by a developer) may both find the image missing: one builds, the other
# waits for it.
image() {
  containers_conf
  mkdir -p "$LABDIR"
  (
    flock 9
    build_image
  ) 9>"$LABDIR/image-debian$RELEASE.lock"
}

build_image() {
  if podman image exists "$IMAGE"; then
    log "image $IMAGE exists"
    return
  fi
  local tarball=$LABDIR/debian$RELEASE-systemd-rootfs.tar rootfs=$LABDIR/rootfs-debian$RELEASE
  if [[ ! -s $tarball ]]; then
    local mirror
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    log "debootstrap $SUITE (Debian $RELEASE) from $mirror (about a minute)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include="$PACKAGES" \
      "$SUITE" "$rootfs" "$mirror" >"$LABDIR/debootstrap-debian$RELEASE.log" 2>&1 ||
      { tail -20 "$LABDIR/debootstrap-debian$RELEASE.log" >&2; exit 1; }
    # The lab hosts reach the package registries through this machine's network, so they trust the
    # same CAs (a TLS-intercepting proxy's included); pip is pointed at that bundle by the inventory.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/usr/local/share/ca-certificates/lab-host-bundle.crt"
    # apt lists stay in the image: without them apt's cache_valid_time skips the update and finds nothing
    chroot "$rootfs" bash -c '
      update-ca-certificates >/dev/null 2>&1
      apt-get update -q >/dev/null; apt-get clean; rm -rf /var/log/*.log /var/cache/debconf/*-old
      : > /etc/machine-id; rm -f /var/lib/dbus/machine-id
      echo lab > /etc/hostname
      printf "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" > /etc/hosts
      chmod 644 /etc/resolv.conf'
    tar --numeric-owner -C "$rootfs" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing $IMAGE"
  podman import --change 'CMD ["/sbin/init"]' --change 'ENV container=podman' --change 'STOPSIGNAL SIGRTMIN+3' \
    "$tarball" "$IMAGE" >/dev/null
}

# A bridge can outlive its podman network (netavark does not always tear it down), and podman then
# refuses the subnet. Remove a podman bridge that still holds the subnet's gateway address.
remove_stale_bridge() {
  local subnet=$1 gateway device
  gateway="${subnet%.*/*}.1/${subnet#*/}"
  for device in $(ip -o -4 addr show | awk -v gw="$gateway" '$4 == gw {print $2}'); do
    if [[ $device == podman* ]]; then
      log "removing the stale bridge $device ($gateway)"
      ip link delete "$device"
    fi
  done
}

network() {
  local name=$1 subnet=$2
  containers_conf
  podman network rm -f "$name" >/dev/null 2>&1 || true
  remove_stale_bridge "$subnet"
  podman network create --subnet "$subnet" "$name" >/dev/null
}

down() {
  local ids
  ids=$(podman ps -a --format '{{.Names}}' | grep "^$PREFIX" || true)
  if [[ -n $ids ]]; then
    log "removing $(echo "$ids" | wc -l) hosts ($PREFIX*)"
    # shellcheck disable=SC2086
    podman rm -f -t 2 $ids >/dev/null
  fi
  local net
  for net in $(podman network ls --format '{{.Name}}' | grep "^$NETWORK" || true); do
    podman network rm -f "$net" >/dev/null 2>&1 || true
  done
  remove_stale_bridge "$SUBNET"
  rm -rf "$LABDIR/facts-${PREFIX%-}"   # ansible.cfg's fact cache of these hosts
  # the tokens of the lab's cluster that is gone: the next bring-up is a new cluster to the controller
  # too (site.yml converges a new cluster's servers alone first); the CA stays, as an operator's
  # would. Molecule's hosts (another prefix) keep their tokens elsewhere: the lab's, maybe running
  # beside them, stay.
  if [[ $PREFIX == cdns-lab- ]]; then
    rm -f "$here"/.consul-*-management.token "$here"/.consul-*-controller.token
  fi
}

# one host of hosts.txt, started from the image on the lab's network
run_host() {
  local name=$1 address=$2 net=$3
  podman run -d --name "$PREFIX$name" --hostname "$name" --network "$net" --ip "$address" \
    --no-hosts --dns=none --systemd=always "${HOST_CAPS[@]}" "$IMAGE" /sbin/init >/dev/null
}

wait_systemd() {
  local name=$1 address=$2 state=
  for _ in $(seq 1 100); do
    state=$(podman exec "$PREFIX$name" systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && break
    sleep 0.2
  done
  log "$name ($address): systemd $state"
}

# A host destroyed and made anew: the same name and address, a fresh disk (a dead server replaced)
rebuild() {
  local host=$1 name address _comment net
  read -r name address _comment < <(grep "^$host " "$here/hosts.txt") || { log "no host $host in hosts.txt"; exit 2; }
  net=$(podman inspect --format '{{range $name, $_ := .NetworkSettings.Networks}}{{$name}}{{end}}' "$PREFIX$host")
  podman rm -f -t 0 "$PREFIX$host" >/dev/null
  run_host "$name" "$address" "$net"
  wait_systemd "$name" "$address"
}

up() {
  image
  down
  local net
  net="$NETWORK-$(date +%s)"
  network "$net" "$SUBNET"
  local name address
  while read -r name address _comment; do
    [[ -z $name || $name == \#* ]] && continue
    run_host "$name" "$address" "$net"
  done <"$here/hosts.txt"
  while read -r name address _comment; do
    [[ -z $name || $name == \#* ]] && continue
    wait_systemd "$name" "$address"
  done <"$here/hosts.txt"
}

case ${1:-} in
  image) image ;;
  up) up ;;
  down) down ;;
  rebuild) rebuild "$2" ;;
  network) network "$2" "$3" ;;
  exec) shift; host=$1; shift; podman exec "$PREFIX$host" "$@" ;;
  image-name) echo "$IMAGE" ;;
  *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
