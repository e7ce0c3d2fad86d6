#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, then unit tests, integration
# tests against real Consul 1.8.7 agents, and ansible-test sanity, in one pytest run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/env.sh"
bash "$here/setup-host.sh" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
cd "$(dirname "$here")"
exec "$VENV/bin/python" -m pytest -n 2 --dist loadgroup "$@"
