#!/usr/bin/env bash
# ansible-test sanity on a copy of this checkout placed under ansible_collections/discovery/consul_dns
# (ansible-test needs that path and a git repository). ansible-test bootstraps pip in its per-test
# virtualenvs from a download host CI cannot reach; the stand-in below does the same job offline
# with ensurepip and the package index (docs/measurements.md, "ansible-test sanity offline").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/env.sh"

cache=~/.ansible/test/cache
mkdir -p "$cache"
# the pip versions ansible-test 2.16 (23.1.2) to 2.19 bootstrap
for version in 23_1_2 24_2 24_3 25_0; do
  cat >"$cache/get_pip_$version.py" <<'PY'
# Offline stand-in for get-pip.py: ensurepip, then pip installs what ansible-test asked for.
import ensurepip, os, subprocess, sys
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
ensurepip.bootstrap(upgrade=True)
env = dict(os.environ, PIP_CERT=os.environ.get("PIP_CERT", "/etc/ssl/certs/ca-certificates.crt"))
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
PY
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dest="$work/ansible_collections/discovery/consul_dns"
mkdir -p "$dest"
(cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - ) | tar -xf - -C "$dest"
(cd "$dest" && git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity)
cd "$dest"
"$VENV/bin/ansible-test" sanity --python 3.11 --requirements --color no "$@"
