"""6. Memory: resident set size of every Consul agent and dnsmasq of the lab, at the role defaults.

References measured in the same run: Debian's dnsmasq with its stock settings (the lab's upstream
host) for dnsmasq, and for Consul the same binary as a bare single-node `consul agent -dev` on
this machine (no services, no ACLs, no encryption).
Usage: python benchmarks/memory.py
"""

import time

from bench import report, say
from harness import ConsulAgent
from labdns import BACKENDS, SERVERS, on

HOSTS = list(SERVERS) + list(BACKENDS) + ["dns1"]


def rss_mib(host, process):
    out = on(host, "ps", "-o", "rss=", "-C", process).stdout.split()
    return sum(int(kib) for kib in out) / 1024.0


def main():
    say("a bare consul agent -dev as the reference")
    bare = ConsulAgent("bench-memory").start()
    try:
        time.sleep(5)  # past its start-up allocations
        with open("/proc/%d/status" % bare.process.pid, encoding="ascii") as status:
            bare_mib = [int(line.split()[1]) for line in status if line.startswith("VmRSS:")][0] / 1024.0
    finally:
        bare.stop()
    stock_dnsmasq = rss_mib("upstream", "dnsmasq")
    for host in HOSTS:
        role = "server" if host in SERVERS else "client"
        report("consul agent (%s) on %s, RSS" % (role, host), rss_mib(host, "consul"), "MiB",
               "bare consul agent -dev", bare_mib)
    report("dnsmasq on dns1 (role defaults), RSS", rss_mib("dns1", "dnsmasq"), "MiB",
           "Debian's stock dnsmasq on upstream", stock_dnsmasq)


if __name__ == "__main__":
    main()
