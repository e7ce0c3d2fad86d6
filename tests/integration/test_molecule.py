"""molecule test of the reference topology on podman hosts, as part of the one test run."""

import os
import re
import subprocess

import pytest

from harness import PODMAN_GROUP, REPO


# molecule.yml puts these hosts on the first release, the others on the second
FIRST_RELEASE_HOSTS = "node2, web1"
SECOND_RELEASE_HOSTS = "node1, node3, web2, dns1, dns2, upstream"


@pytest.mark.slow
@pytest.mark.xdist_group(PODMAN_GROUP)
@pytest.mark.parametrize("releases", [("bullseye", "bookworm")], ids=["debian11+debian12"])
def test_molecule_default_seed_topology(podman_worker, releases):
    """On the releases the lab does not run (the lab proves the newest), each with a server, a backend and
    both resolver modes, in one cluster (the forwarders on the second: the dnsmasq role refuses aliases on
    Debian 11's dnsmasq); every failure names the releases and their hosts."""
    proc = subprocess.run(["bash", os.path.join(REPO, "tests", "molecule.sh"), "default"],
                          capture_output=True, text=True, check=False, env=dict(os.environ, MOLECULE_RELEASES=" ".join(releases)))
    output = proc.stdout + proc.stderr
    release_named = "molecule on %s (%s) and %s (%s):\n" % (releases[0], FIRST_RELEASE_HOSTS, releases[1], SECOND_RELEASE_HOSTS)
    assert proc.returncode == 0, release_named + output[-6000:]
    assert re.search(r"private keys searched for .*: [1-9]\d*, none found", output), release_named + output[-3000:]
    assert "failed=0" in output, release_named + output[-3000:]
    # TLS turned on in the running plain cluster (prepare.yml, then converge.yml), each forwarder asked every
    # 50 ms meanwhile: query_stream.py exits 1 on any failed or empty answer, which fails molecule.sh
    assert "TLS turned on in the running cluster in" in output, release_named + output[-3000:]
    for forwarder in ("10.89.60.31", "10.89.60.32"):
        assert re.search(r"the queries for web\.service\.zhangeamon\.com at %s: \{[^}]*'full': [1-9]" % re.escape(forwarder), output), \
            release_named + output[-3000:]
