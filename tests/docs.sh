#!/usr/bin/env bash
# Builds the collection's HTML documentation with antsibull-docs: every module, plugin and role entry
# point, and the guides of docs/ (Markdown, through myst-parser). Opens a module's page in headless
# Chromium and checks that its option table is there; the page's screenshot is kept as a CI artefact.
#
#   tests/docs.sh [OUT]     OUT (default tests/output/docs): html/ and the screenshot
# Needs the tools virtualenv (tests/ecosystem.sh installs it) and Debian's chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/env.sh"
TOOLS=${TOOLS_VENV:-$CONSUL_DNS_CACHE/venv-tools}
out=$(mkdir -p "${1:-$repo/tests/output/docs}" && cd "${1:-$repo/tests/output/docs}" && pwd)
export ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$CONSUL_DNS_BUNDLED_COLLECTIONS"
export PATH="$TOOLS/bin:$PATH"

site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
antsibull-docs sphinx-init --use-current --dest-dir "$site" discovery.consul_dns >/dev/null
mkdir -p "$site/rst" && chmod og-w "$site/rst"   # antsibull-docs wants it writable by itself only
antsibull-docs --config-file "$site/antsibull-docs.cfg" collection --cleanup everything --use-current \
  --dest-dir "$site/rst" discovery.consul_dns >/dev/null

# the guides, as they are in the repository (links between them keep working)
mkdir -p "$site/rst/guides"
cp "$repo"/docs/*.md "$site/rst/guides/"
cat >"$site/rst/guides/index.rst" <<'RST'
Guides
======

.. toctree::
   :maxdepth: 1
   :glob:

   *
RST
cat >>"$site/rst/index.rst" <<'RST'

.. toctree::
   :maxdepth: 1
   :caption: Guides:

   guides/index
RST
cat >>"$site/conf.py" <<'PY'

# nothing is fetched from the network: references into other docsites stay unresolved
intersphinx_mapping = {}

# the guides of docs/ are Markdown; their links to files outside docs/ (README.md, the roles) are
# not pages of this site
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
suppress_warnings = ['myst.xref_missing']
PY

# Every warning fails the build except references into docsites not fetched (ansible-core's pages,
# its return values, settings and action plugins page, ansible.builtin's plugins)
sphinx-build -M html "$site/rst" "$site/build" -c "$site" -q --keep-going 2>"$site/warnings.txt" || {
  cat "$site/warnings.txt" >&2; exit 1; }
unexpected=$(grep "WARNING" "$site/warnings.txt" | grep -vE \
  "undefined label: '(common_return_values|ansible_configuration_settings|action_plugins|ansible_collections\.ansible\.builtin\.[a-z_]+)'|'envvar' reference target not found: ANSIBLE_[A-Z_]+" || true)
if [[ -n $unexpected ]]; then
  echo "$unexpected" >&2
  exit 1
fi
rm -rf "$out/html" && cp -r "$site/build/html" "$out/html"

page="$out/html/collections/discovery/consul_dns/consul_service_module.html"
chromium() {
  command chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$site/chromium" "$@" 2>/dev/null
}
chromium --window-size=1280,2400 --screenshot="$out/consul_service_module.png" "file://$page" >/dev/null
dom=$(chromium --dump-dom "file://$page")
for expected in 'ansible-option-table' 'service_id' 'discovery.consul_dns.consul_service module'; do
  if ! grep -q "$expected" <<<"$dom"; then
    echo "the rendered page of consul_service lacks '$expected'" >&2
    exit 1
  fi
done
echo "docs: $(find "$out/html" -name '*.html' | wc -l) pages in $out/html; screenshot $out/consul_service_module.png"
