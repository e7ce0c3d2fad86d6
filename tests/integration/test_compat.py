"""The oldest versions the collection claims (tests/compat.sh), as part of the one test run: the
newest are those every other test runs with."""

import os
import subprocess

import pytest

from harness import PODMAN_GROUP, REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(PODMAN_GROUP)]


def compat(what):
    proc = subprocess.run(["bash", os.path.join(REPO, "tests", "compat.sh"), what], capture_output=True, text=True, check=False)
    print(proc.stdout.splitlines()[0] if proc.stdout else proc.stderr[-500:])
    print(proc.stdout[-800:])
    return proc


def test_unit_and_real_agent_tests_on_the_oldest_ansible_core_py_consul_and_dnspython():
    proc = compat("tests")
    assert "oldest: ansible [core 2.16." in proc.stdout and "py-consul 1.5.2" in proc.stdout, proc.stdout[:500]
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_ansible_test_sanity_of_the_oldest_ansible_core():
    proc = compat("sanity")
    failures = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if line.startswith(("ERROR", "FATAL"))]
    assert proc.returncode == 0, "\n".join(failures) or proc.stdout[-3000:] + proc.stderr[-3000:]
