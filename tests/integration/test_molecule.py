"""molecule test of the reference topology on podman hosts, as part of the one test run."""

import os
import re
import subprocess

import pytest

from harness import PODMAN_GROUP, REPO


@pytest.mark.slow
@pytest.mark.xdist_group(PODMAN_GROUP)
def test_molecule_default_seed_topology(podman_worker):
    proc = subprocess.run(["bash", os.path.join(REPO, "tests", "molecule.sh"), "default"],
                          capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert re.search(r"private keys searched for .*: [1-9]\d*, none found", output), output[-3000:]
    assert "failed=0" in output, output[-3000:]
    # TLS turned on in the running plain cluster (prepare.yml, then converge.yml), the forwarder asked every 50 ms
    # meanwhile: query_stream.py exits 1 on any failed or empty answer, which fails molecule.sh
    assert "TLS turned on in the running cluster in" in output, output[-3000:]
    assert re.search(r"the queries for web\.service\.zhangeamon\.com at 10\.89\.60\.31: \{[^}]*'full': [1-9]", output), output[-3000:]
