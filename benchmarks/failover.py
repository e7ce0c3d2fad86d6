"""2. Failover time through dnsmasq: a backend killed and restarted N times (default 20).

A query every 50 ms to the forwarder for the service name and its alias; seconds from the kill
until the backend has left both answers, and from the restart until it is back in both, beside
the configured bounds. An error is a timeout, a non-NOERROR answer, or a healthy backend missing.
Usage: python benchmarks/failover.py [cycles, default 20]
"""

import sys
import time
from statistics import median

import dns.exception

from bench import percentile, report, say
from labdns import ALL, BACKENDS, LEAVE_BOUND, RETURN_BOUND, ask, on

NAMES = ("web.service.zhangeamon.com", "web.zhangeamon.com")
VICTIM = "web2"


def watch(until_present, errors, timeout):
    """Seconds until the victim is absent from (or present in) every answer, querying every 50 ms."""
    dead = BACKENDS[VICTIM]
    healthy_others = sorted(set(ALL) - {dead})
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        settled = True
        for name in NAMES:
            try:
                addresses = ask(name)[1]
            except dns.exception.Timeout:
                errors.append("timeout")
                settled = False
                continue
            if not set(healthy_others) <= set(addresses):
                errors.append("%s answered %s" % (name, addresses))
            settled = settled and ((dead in addresses) == until_present)
        if settled:
            return time.monotonic() - start
        time.sleep(0.05)
    errors.append("not settled within %s s" % timeout)
    return timeout


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    removal, comeback, errors = [], [], []
    assert all(ask(name)[1] == ALL for name in NAMES), "the lab does not answer every backend to begin with"
    for cycle in range(cycles):
        on(VICTIM, "systemctl", "stop", "web-backend")
        removal.append(watch(False, errors, 6 * LEAVE_BOUND))
        on(VICTIM, "systemctl", "start", "web-backend")
        comeback.append(watch(True, errors, 6 * RETURN_BOUND))
        say("cycle %d/%d: removed after %.2f s, back after %.2f s" % (cycle + 1, cycles, removal[-1], comeback[-1]))
        time.sleep(1)
    for what, values, bound in (("removal", removal, LEAVE_BOUND), ("return", comeback, RETURN_BOUND)):
        for label, value in (("p50", median(values)), ("p95", percentile(values, 0.95)), ("max", max(values))):
            report("time to %s %s" % (what, label), value, "s", "configured bound", bound, digits=2)
    print("errors: %d %s" % (len(errors), errors[:5]))


if __name__ == "__main__":
    main()
