"""molecule test of the reference topology on podman hosts, as part of the one test run."""

import os
import re
import subprocess

import pytest

from harness import PODMAN_GROUP, REPO


@pytest.mark.slow
@pytest.mark.xdist_group(PODMAN_GROUP)
@pytest.mark.parametrize("release", ["bookworm"], ids=["debian12"])
def test_molecule_default_seed_topology(podman_worker, release):
    """On each release the lab does not run (the lab proves the newest), named in every failure."""
    proc = subprocess.run(["bash", os.path.join(REPO, "tests", "molecule.sh"), "default"],
                          capture_output=True, text=True, check=False, env=dict(os.environ, MOLECULE_RELEASE=release))
    output = proc.stdout + proc.stderr
    release_named = "molecule on %s:\n" % release
    assert proc.returncode == 0, release_named + output[-6000:]
    assert re.search(r"private keys searched for .*: [1-9]\d*, none found", output), release_named + output[-3000:]
    assert "failed=0" in output, release_named + output[-3000:]
    # TLS turned on in the running plain cluster (prepare.yml, then converge.yml), the forwarder asked every 50 ms
    # meanwhile: query_stream.py exits 1 on any failed or empty answer, which fails molecule.sh
    assert "TLS turned on in the running cluster in" in output, release_named + output[-3000:]
    assert re.search(r"the queries for web\.service\.zhangeamon\.com at 10\.89\.60\.31: \{[^}]*'full': [1-9]", output), release_named + output[-3000:]
