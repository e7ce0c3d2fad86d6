"""9. Prepared-query failover between datacenters: every backend of bj stopped and started N times
(default 5), web.query.zhangeamon.com asked at bj's forwarder every 50 ms.

Seconds from the stop until sh's instance is the answer, and from the start until bj's backends are
again, beside the bound the issue sets (the checks' bound plus 1 s) and beside one backend leaving a
plain service name (the single-datacenter failover of benchmark 2) in the same run. An error is a
timeout, a non-NOERROR answer or an empty one.
Usage: python benchmarks/dc_failover.py [cycles, default 5] (the lab with its second datacenter up)
"""

import sys
import time
from statistics import median

import dns.exception

from bench import report, say
from labdns import ALL, BACKENDS, LEAVE_BOUND, RETURN_BOUND, ask, on

QUERY = "web.query.zhangeamon.com"
SERVICE = "web.service.zhangeamon.com"
SH_BACKEND = "10.89.50.25"


def until(name, wanted, errors, timeout):
    """Seconds until ``name`` answers exactly ``wanted``, asking every 50 ms."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            addresses = ask(name)[1]
        except dns.exception.Timeout:
            errors.append("timeout")
            continue
        if not addresses:
            errors.append("%s answered nothing" % name)
        if addresses == sorted(wanted):
            return time.monotonic() - start
        time.sleep(0.05)
    errors.append("%s not %s within %s s" % (name, wanted, timeout))
    return timeout


def main():
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    over, back, single, errors = [], [], [], []
    assert ask(QUERY)[1] == ALL and ask(SERVICE)[1] == ALL, "the lab does not answer every bj backend to begin with"
    for cycle in range(cycles):
        for host in BACKENDS:
            on(host, "systemctl", "stop", "web-backend")
        over.append(until(QUERY, [SH_BACKEND], errors, 6 * LEAVE_BOUND))
        for host in BACKENDS:
            on(host, "systemctl", "start", "web-backend")
        back.append(until(QUERY, ALL, errors, 6 * RETURN_BOUND))
        # the reference: one backend leaving a name of one datacenter
        on("web2", "systemctl", "stop", "web-backend")
        single.append(until(SERVICE, sorted(set(ALL) - {BACKENDS["web2"]}), errors, 6 * LEAVE_BOUND))
        on("web2", "systemctl", "start", "web-backend")
        until(SERVICE, ALL, errors, 6 * RETURN_BOUND)
        say("cycle %d/%d: sh's instance after %.2f s, bj's again after %.2f s (one backend leaving: %.2f s)"
            % (cycle + 1, cycles, over[-1], back[-1], single[-1]))
        time.sleep(1)
    for what, values in (("failover to sh", over), ("return to bj", back)):
        report("time to %s, median" % what, median(values), "s", "one backend leaving one datacenter's name",
               median(single), digits=2)
        report("time to %s, max" % what, max(values), "s", "the issue's bound (checks' bound + 1 s)", LEAVE_BOUND + 1, digits=2)
    print("errors: %d %s" % (len(errors), errors[:5]))


if __name__ == "__main__":
    main()
