#!/usr/bin/env bash
# make mutation: mutmut 3 over plugins/ with the unit tests and the real-agent tests of the modules,
# the lookup and the inventory plugin; prints the score and every surviving mutant
# (tests/mutation/report.py). Usage: bash tests/mutation.sh [plugins/path.py ...] (default: all of plugins/)
#
# mutmut names a mutant by the file's path, the code runs as ansible_collections.discovery.consul_dns.*;
# so the checkout is copied to <work>/ansible_collections/discovery/consul_dns and mutmut runs in <work>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/env.sh"
bash "$here/setup-host.sh" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
"$VENV/bin/pip" install -q -r "$here/requirements-mutation.txt" 2> >(grep -v "is ignored: it is neither" >&2)

work=${CONSUL_DNS_MUTATION_DIR:-$CONSUL_DNS_CACHE/mutation}
collection=ansible_collections/discovery/consul_dns
rm -rf "$work"
mkdir -p "$work/$collection"
# the working tree as it is (committed or not), without what git ignores
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/$collection" 2>/dev/null) || true

only=()
for path in "$@"; do only+=("$collection/$path"); done
python3 "$here/mutation/config.py" "$work" "$collection" "${only[@]}"

cd "$work"
export MUTATION_HITS_DIR="$work/hits" PYTHONPATH="$work/$collection/tests/mutation/site${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$MUTATION_HITS_DIR"
# mutmut draws a progress spinner: its output goes to a log, its last count to the terminal
echo "mutmut run: $work/mutmut.log"
"$VENV/bin/mutmut" run --max-children "${MUTATION_JOBS:-$(nproc)}" > "$work/mutmut.log" 2>&1 || true
tr '\r' '\n' < "$work/mutmut.log" | grep -a -E "^(.*[0-9]+/[0-9]+ |.*mutations/second|failed|.*Error)" | tail -3
"$VENV/bin/python" "$here/mutation/report.py" "$work"
