"""7. A rolling deploy of the three web backends, with and without playbooks/rolling_deploy.yml.

A client resolves web.zhangeamon.com through the forwarders (each in turn) and opens a TCP
connection to every address it gets, every 50 ms, all through each rollout. The deploy (the lab's
tests/lab/deploy-web.yml) stops a backend's listener for a second and starts it again. Without the
playbook the same deploy runs one backend at a time in place (tests/lab/deploy-in-place.yml): the
reference, whose failed connections are what the playbook avoids. Prints the failures of both, and
the rollout's time beside the sum of its waits. Run it on a converged lab.
Usage: python benchmarks/rolling_deploy.py
"""

import os
import re
import time

from bench import report, say
from labdns import LAB, ConnectingClient, converge

PLAYBOOK = os.path.join(os.path.dirname(LAB), os.pardir, "playbooks", "rolling_deploy.yml")
DEPLOY = os.path.join(LAB, "deploy-web.yml")
WAITS = re.compile(r"out of DNS after ([\d.]+) s, back after ([\d.]+) s of checks and ([\d.]+) s of DNS")


def rollout(*args, **options):
    with ConnectingClient("web.zhangeamon.com") as client:
        time.sleep(1)
        start = time.monotonic()
        proc = converge(*args, **options)
        elapsed = time.monotonic() - start
        time.sleep(1)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-4000:] + proc.stderr[-2000:])
    return elapsed, client, proc.stdout


def main():
    say("the deploy in place, one backend at a time (reference)")
    in_place, bare = rollout(playbook="deploy-in-place.yml")[:2]
    say("the same deploy through rolling_deploy.yml")
    rolling, guarded, output = rollout("-e", "rolling_deploy_service=web", "-e", "rolling_deploy_tasks=" + DEPLOY,
                                       playbook=PLAYBOOK)
    print("    in place: %d connections failed of %d (%s)" % (bare.failed(), sum(bare.counts.values()), dict(bare.counts)))
    print("    rolling_deploy.yml: %d connections failed of %d (%s)"
          % (guarded.failed(), sum(guarded.counts.values()), dict(guarded.counts)), flush=True)
    waits = [sum(float(value) for value in found) for found in WAITS.findall(output)]
    report("rolling_deploy.yml, 3 backends", rolling, "s", "the same deploy in place", in_place)
    print("    of which waiting for DNS and checks: %.1f s (%s per backend)" % (sum(waits), ", ".join("%.1f s" % w for w in waits)),
          flush=True)


if __name__ == "__main__":
    main()
