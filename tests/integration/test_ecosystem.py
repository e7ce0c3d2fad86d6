"""What Galaxy and operators' linters say, and the rendered docs (tests/ecosystem.sh), as part of the
one test run."""

import os
import subprocess

import pytest

from harness import PODMAN_GROUP, REPO

pytestmark = pytest.mark.xdist_group(PODMAN_GROUP)

SCRIPT = os.path.join(REPO, "tests", "ecosystem.sh")


def ecosystem(*args):
    proc = subprocess.run(["bash", SCRIPT] + list(args), capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    print(output[-1500:])
    return proc.returncode, output


def test_ansible_lint_production_profile_finds_nothing():
    rc, output = ecosystem("lint")
    assert rc == 0 and "Profile 'production' was required, and it passed" in output, output[-5000:]


def test_changelog_fragments_lint_and_the_release_entry_of_this_version():
    rc, output = ecosystem("changelog")
    assert rc == 0, output[-3000:]


def test_galaxy_importer_accepts_the_built_collection_without_the_labs_secrets():
    rc, output = ecosystem("galaxy")
    assert rc == 0 and "Importer processing completed successfully" in output, output[-5000:]


@pytest.mark.slow
def test_the_html_docs_build_and_a_module_page_shows_its_options(tmp_path):
    """The screenshot stays in tests/output/docs (a CI artefact, ignored by git)."""
    out = os.path.join(REPO, "tests", "output", "docs")
    rc, output = ecosystem("docs", out)
    assert rc == 0, output[-5000:]
    assert os.path.getsize(os.path.join(out, "consul_service_module.png")) > 10000
    for page in ("consul_inventory.rst", "resolver_role.rst"):
        assert os.path.exists(os.path.join(out, "html", "collections", "discovery", "consul_dns", page.replace(".rst", ".html"))), page
    assert os.path.exists(os.path.join(out, "html", "guides", "clients.html"))
