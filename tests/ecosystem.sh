#!/usr/bin/env bash
# What Galaxy and operators' linters say about the collection (tests/integration/test_ecosystem.py
# runs each in the README's test command):
#
#   ecosystem.sh lint        ansible-lint --profile production (.ansible-lint)
#   ecosystem.sh changelog   antsibull-changelog lint, and the release entry of galaxy.yml's version
#   ecosystem.sh galaxy      the built collection: nothing of the lab's secrets in it, galaxy-importer accepts it
#   ecosystem.sh docs [OUT]  the HTML docs (tests/docs.sh)
#
# The tools live in a virtualenv of their own (tests/requirements-tools.txt, setup-host.sh installs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
. "$here/env.sh"
TOOLS=${TOOLS_VENV:-$CONSUL_DNS_CACHE/venv-tools}
export ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$CONSUL_DNS_BUNDLED_COLLECTIONS"
export PATH="$TOOLS/bin:$PATH"
cd "$repo"

case ${1:-} in
  lint)
    ansible-lint --nocolor -f pep8
    ;;
  changelog)
    antsibull-changelog lint
    antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
    version=$(awk '/^version:/ {print $2}' galaxy.yml)
    grep -q "^  $version:" changelogs/changelog.yaml || { echo "changelogs/changelog.yaml has no release $version (galaxy.yml)" >&2; exit 1; }
    grep -q "^## v${version//./\\\\.}" CHANGELOG.md || { echo "CHANGELOG.md has no section for $version" >&2; exit 1; }
    echo "changelog: release $version, fragments lint clean"
    ;;
  galaxy)
    build=$(mktemp -d)
    trap 'rm -rf "$build"' EXIT
    ansible-galaxy collection build --output-path "$build" . >/dev/null
    tarball=$(ls "$build"/*.tar.gz)
    # a build from a checkout whose lab is up must not carry the lab's CA, keys or tokens
    if tar tzf "$tarball" | grep -E '(^|/)\.consul-|-key\.pem$|\.token$'; then
      echo "the built collection carries secrets of the lab (above)" >&2
      exit 1
    fi
    (cd "$build" && python -m galaxy_importer.main "$tarball") >"$build/importer.log" 2>&1 || true
    grep -v '^Loading ' "$build/importer.log"
    grep -q "Importer processing completed successfully" "$build/importer.log"
    ! grep -q "^ERROR" "$build/importer.log"
    ;;
  docs)
    bash "$here/docs.sh" "${2:-$repo/tests/output/docs}"
    ;;
  *)
    sed -n '2,10p' "$0" >&2
    exit 2
    ;;
esac
