"""ansible-test sanity, as part of the one test run (so CI prints one summary)."""

import os
import subprocess

from harness import REPO


def test_ansible_test_sanity():
    proc = subprocess.run(["bash", os.path.join(REPO, "tests", "sanity.sh")], capture_output=True, text=True, check=False)
    failures = [line for line in proc.stdout.splitlines() + proc.stderr.splitlines() if line.startswith(("ERROR", "FATAL"))]
    assert proc.returncode == 0, "\n".join(failures) or proc.stdout[-3000:] + proc.stderr[-3000:]
