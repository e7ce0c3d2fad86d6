"""4. site.yml on the lab topology: an unchanged re-run, in no-op rounds.

A no-op round is the time of one no-op module (ansible.builtin.ping) on the same hosts, in the same
run: the re-run's time over it says how many such rounds the re-run costs, whatever the machine.
Remote tasks per host are counted from the lab connection's commands (-vvv), over those one
ping makes. Run it on a lab that is up (tests/lab/lab.sh up); it converges the lab first.
Usage: python benchmarks/site_rerun.py
"""

import os
import re
import subprocess
import time

from bench import report, say
from labdns import LAB, VENV_BIN, converge, lab_env

SITE = os.path.join(os.path.dirname(LAB), os.pardir, "playbooks", "site.yml")
SITE_HOSTS = "consul_servers:consul_clients:dns_forwarders:dns_clients"
REMOTE_COMMAND = re.compile(r"<cdns-lab-(\w+)> NSENTER ")


def timed(run, *args):
    start = time.monotonic()
    proc = run(*args)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-4000:] + proc.stderr[-2000:])
    return elapsed, proc.stdout


def site(*args):
    """site.yml alone (the lab's scaffolding is not the collection's)."""
    return converge(*args, playbook=SITE)


def ping(*args):
    return subprocess.run([os.path.join(VENV_BIN, "ansible"), SITE_HOSTS, "-m", "ansible.builtin.ping"] + list(args),
                          cwd=LAB, env=lab_env(), capture_output=True, text=True, check=False)


def execs_per_host(output):
    counts = {}
    for host in REMOTE_COMMAND.findall(output):
        counts[host] = counts.get(host, 0) + 1
    return counts


def main():
    say("converge.yml (lab scaffolding + site.yml)")
    first, output = timed(converge)
    first_changed = sum(int(count) for count in re.findall(r"changed=(\d+)", output))
    say("%.1f s, changed=%d; site.yml again, unchanged, and one no-op module on the same hosts" % (first, first_changed))
    again, output = timed(site)
    changed = sum(int(count) for count in re.findall(r"changed=(\d+)", output))
    no_op = timed(ping)[0]
    report("site.yml re-run on the lab", again, "s", "one no-op module (ping) on the same 9 hosts", no_op)
    print("    = %.1f no-op rounds; changed=%d on the re-run (the converging run before it: %.1f s, changed=%d)"
          % (again / no_op, changed, first, first_changed), flush=True)

    say("counting remote tasks per host (-vvv: each nsenter is one remote step)")
    verbose_rerun = timed(site, "-vvv")[1]
    verbose_ping = timed(ping, "-vvv")[1]
    per_module = execs_per_host(verbose_ping)
    for host, count in sorted(execs_per_host(verbose_rerun).items()):
        if host in per_module:
            print("    %s: %.0f remote tasks" % (host, count / float(per_module[host])), flush=True)


if __name__ == "__main__":
    main()
