"""8. The restore drill's time: every server's state lost and restored from a snapshot.

A snapshot taken and fetched by playbooks/snapshot.yml; every server stopped and its data folder
emptied (the cluster elects a leader with nothing in it); then playbooks/restore.yml on the servers
(--limit consul_servers:localhost). Prints the restore run's time and the time until both names
answer every backend through the forwarder, beside an unchanged run of the same playbook on the same
hosts (the cost of a run that finds nothing to do). docs/performance.md puts them beside the lab's
first converge (benchmark 4). Run it on a lab that is up and converged (tests/lab/lab.sh up; the
first converge or site_rerun.py); it leaves the lab converged, its state the snapshot's.
Usage: python benchmarks/restore.py
"""

import glob
import tempfile
import time

from bench import report, say
from labdns import ALL, SERVERS, ask, converge, management_token, on, wait_until

RESTORE = "../../playbooks/restore.yml"
ONLY_SERVERS = ("--limit", "consul_servers:localhost")


def run(*args, playbook):
    start = time.monotonic()
    proc = converge(*args, playbook=playbook)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-4000:] + proc.stderr[-2000:])
    return time.monotonic() - start, proc.stdout


def every_backend_answered():
    return ask("web.service.zhangeamon.com")[1] == ask("web.zhangeamon.com")[1] == ALL


def main():
    token = management_token()
    with tempfile.TemporaryDirectory() as folder:
        say("playbooks/snapshot.yml: a snapshot now, fetched to the controller")
        taken = run("-e", "snapshot_fetch_dir=" + folder, playbook="../../playbooks/snapshot.yml")[0]
        [snapshot] = glob.glob(folder + "/consul-*.snap")
        say("%.1f s; every server stopped and its data folder emptied" % taken)
        for host in SERVERS:
            on(host, "systemctl", "stop", "consul")
        for host in SERVERS:
            on(host, "sh", "-c", "rm -rf /var/lib/consul/* && systemctl start consul")
        if wait_until(lambda: all(on(host, "test", "-s", "/var/lib/consul/node-id", check=False).returncode == 0
                                  for host in SERVERS), timeout=60, interval=1) is None:
            raise SystemExit("the servers did not start again")
        say("restore.yml on the servers")
        start = time.monotonic()
        restored, output = run("-e", "consul_snapshot_restore_file=" + snapshot, *ONLY_SERVERS, playbook=RESTORE)
        if "restored the snapshot" not in output or wait_until(every_backend_answered, timeout=120) is None:
            raise SystemExit("the restore did not bring every backend back:\n" + output[-3000:])
        answered = time.monotonic() - start
        if management_token() != token:
            raise SystemExit("the management token changed: the cluster was bootstrapped anew, not restored")
        say("restore.yml again on the same hosts: the cluster holds its state, nothing to do")
        unchanged = run("-e", "consul_snapshot_restore_file=" + snapshot, *ONLY_SERVERS, playbook=RESTORE)[0]
    report("restore.yml after every server's state was lost", restored, "s", "the same run, nothing to do", unchanged)
    print("    every backend answered through the forwarder %.1f s after the restore began" % answered, flush=True)


if __name__ == "__main__":
    main()
