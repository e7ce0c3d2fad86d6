"""1. DNS throughput and latency through the stack, with dnsperf (bounded runs) against the lab.

The reference is the forwarder answering a record it holds itself (host-record), the practical
limit of dnsmasq on this machine; every other name is reported as a ratio of that rate.
Usage: python benchmarks/dns_throughput.py [seconds per run, default 10]
"""

import re
import subprocess
import sys
import tempfile

from bench import report, say
from labdns import FORWARDER, SERVERS

TARGETS = [
    # (what, server, port, name)
    ("static record held by dnsmasq", FORWARDER, 53, "static.lab.test"),
    ("service name, cached (prepared query, dns_ttl 5s)", FORWARDER, 53, "webc.query.zhangeamon.com"),
    ("service name, TTL 0 (the reference topology's setting)", FORWARDER, 53, "web.service.zhangeamon.com"),
    ("alias name (CNAME + hostsdir)", FORWARDER, 53, "web.zhangeamon.com"),
    ("upstream name (the lab upstream answers with TTL 0: forwarded every time)", FORWARDER, 53, "www.example.test"),
    ("service name direct to one Consul server", SERVERS["node1"], 8600, "web.service.zhangeamon.com"),
]


def dnsperf(server, port, name, seconds):
    # dnsperf loops over its input for -l seconds, so the input must be a file it can reread
    with tempfile.NamedTemporaryFile("w", suffix=".queries") as queries:
        queries.write("%s A\n" % name)
        queries.flush()
        proc = subprocess.run(["dnsperf", "-s", server, "-p", str(port), "-d", queries.name, "-l", str(seconds),
                               "-c", "4", "-q", "64", "-t", "2"], capture_output=True, text=True, check=False)
    out = proc.stdout
    if proc.returncode != 0:
        raise SystemExit("dnsperf failed: %s %s" % (out[-500:], proc.stderr[-500:]))

    def number(label):
        return float(re.search(r"%s:\s+([\d.]+)" % re.escape(label), out).group(1))

    lost = int(re.search(r"Queries lost:\s+(\d+)", out).group(1))
    noerror = re.search(r"NOERROR (\d+)", out)
    return dict(qps=number("Queries per second"), latency_ms=1000 * number("Average Latency (s)"), lost=lost,
                noerror=int(noerror.group(1)) if noerror else 0, completed=int(number("Queries completed")))


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    results = []
    for what, server, port, name in TARGETS:
        say("dnsperf %ss: %s (%s @%s#%s)" % (seconds, what, name, server, port))
        results.append((what, dnsperf(server, port, name, seconds)))
    reference_name, reference = results[0]
    for what, result in results:
        report("%s, queries/s" % what, result["qps"], "q/s", reference_name, reference["qps"], digits=0)
        report("%s, mean latency" % what, result["latency_ms"], "ms", reference_name, reference["latency_ms"],
               digits=3)
        print("    answered %d (NOERROR %d), lost %d" % (result["completed"], result["noerror"], result["lost"]))


if __name__ == "__main__":
    main()
