#!/usr/bin/env bash
# The oldest versions the collection claims (tests/requirements-oldest.txt: ansible-core 2.16, the
# py-consul and dnspython floors), in a virtualenv of their own: the unit tests, the modules', lookup's
# and inventory plugin's tests against real Consul agents, and ansible-test sanity of ansible-core 2.16.
# The newest versions are the test virtualenv's (tests/requirements.txt), which every other test uses.
#
#   compat.sh tests      unit and real-agent tests
#   compat.sh sanity     ansible-test sanity (2.16)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/env.sh"
OLDEST=${OLDEST_VENV:-$CONSUL_DNS_CACHE/venv-oldest}
export ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$CONSUL_DNS_BUNDLED_COLLECTIONS"
echo "oldest: $("$OLDEST/bin/ansible" --version | head -n1), $("$OLDEST/bin/pip" list 2>/dev/null | grep -iE '^(py-consul|dnspython) ' | tr -s ' ' | paste -sd, -)"
cd "$repo"
case ${1:-} in
  tests)
    exec "$OLDEST/bin/python" -m pytest -q -p no:cacheprovider -p no:xdist -m "not same_on_every_version" tests/unit \
      tests/integration/test_service_modules.py tests/integration/test_check_module.py \
      tests/integration/test_acl_modules.py tests/integration/test_acl_bootstrap_module.py \
      tests/integration/test_prepared_query_module.py \
      tests/integration/test_lookup.py tests/integration/test_maintenance_module.py \
      tests/integration/test_inventory_plugin.py
    ;;
  sanity)
    VENV=$OLDEST exec bash "$here/sanity.sh"
    ;;
  *)
    sed -n '2,9p' "$0" >&2
    exit 2
    ;;
esac
