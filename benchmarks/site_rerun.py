"""4. site.yml on the lab topology: the converging run, then an unchanged re-run (wall seconds).

The reference of the re-run is the run before it. Run it on a lab that is up (tests/lab/lab.sh up).
Usage: python benchmarks/site_rerun.py
"""

import os
import re
import subprocess
import time

from bench import report, say
from labdns import LAB, VENV_BIN, lab_env


def converge():
    start = time.monotonic()
    proc = subprocess.run([os.path.join(VENV_BIN, "ansible-playbook"), "converge.yml"], cwd=LAB, env=lab_env(),
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-4000:] + proc.stderr[-2000:])
    changed = sum(int(count) for count in re.findall(r"changed=(\d+)", proc.stdout))
    return elapsed, changed


def main():
    say("converge.yml (lab scaffolding + site.yml)")
    first, first_changed = converge()
    say("%.1f s, changed=%d; again, unchanged" % (first, first_changed))
    again, again_changed = converge()
    report("site.yml re-run on the lab", again, "s", "the run before it", first)
    print("    changed=%d on the re-run (the run before: changed=%d)" % (again_changed, first_changed))


if __name__ == "__main__":
    main()
